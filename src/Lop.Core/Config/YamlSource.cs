using Lop.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lop.Core.Config;

/// <summary>
/// The YAML plumbing of lop.yaml: the file through YamlDotNet's representation model, where every node keeps
/// its line and column for the errors, and the two questions every binder asks of a node (is it empty, how to
/// name it in a message). Knows nothing of lop.yaml's keys.
/// </summary>
internal static class YamlSource
{
    /// <summary>The root node of the first document (an empty mapping for an empty file), or null after a syntax error.</summary>
    public static YamlNode? Load(ConfigDiagnostics diagnostics)
    {
        var file = diagnostics.File;
        if (!System.IO.File.Exists(file))
        {
            diagnostics.Add(new LopException(ErrorCodes.PathNotFound, $"{file} does not exist; 'dotnet lop init' writes a starter lop.yaml.", file));
            return null;
        }
        var stream = new YamlStream();
        using (var text = new StreamReader(file))
        {
            var scanner = new Scanner(text);
            try
            {
                stream.Load(new Parser(scanner));
            }
            catch (YamlException e)
            {
                var message = e.InnerException is { } inner && e.Message.EndsWith("See inner exception.", StringComparison.Ordinal) ? inner.Message : e.Message;
                diagnostics.Add(new LopException(ErrorCodes.YamlSyntax, $"YAML syntax: {message}", file, (int)e.Start.Line, (int)e.Start.Column, e));
                return null;
            }
            catch (InvalidOperationException e)
            {
                // YamlDotNet's scanner throws this (not a YamlException) on some malformed input, e.g. an unclosed [.
                var at = scanner.CurrentPosition;
                diagnostics.Add(new LopException(ErrorCodes.YamlSyntax, "YAML syntax: the file ends or breaks off inside an unclosed [list], {mapping} or quoted string.", file, (int)at.Line, (int)at.Column, e));
                return null;
            }
        }
        var root = stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode;
        return IsNull(root) ? new YamlMappingNode() : root;
    }

    /// <summary>An empty value: nothing after the colon, ~, or null (unquoted).</summary>
    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>The node as an error message names it: "a mapping", "a list", "empty", or the value quoted.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "empty",
        YamlScalarNode { Value: var value } => $"'{value}'",
        _ => "an alias",
    };
}
