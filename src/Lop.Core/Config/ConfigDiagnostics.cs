using Lop.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace Lop.Core.Config;

/// <summary>
/// The errors found in one lop.yaml, each at the line and column of the node it is about. Every part of the
/// reader adds to the same list, so one run reports every mistake in the file, in file order.
/// </summary>
internal sealed class ConfigDiagnostics(string file)
{
    private readonly List<LopException> _errors = [];

    public string File { get; } = file;

    public bool HasErrors => _errors.Count > 0;

    public void Add(LopException error) => _errors.Add(error);

    public void Error(string code, YamlNode node, string message) =>
        _errors.Add(new LopException(code, message, File, (int)node.Start.Line, (int)node.Start.Column));

    public void Invalid(YamlNode node, string message) => Error(ErrorCodes.InvalidValue, node, message);

    /// <summary>Every error, by position; errors without one (about config.json, say) come first.</summary>
    public LopConfigException ToException() => new(_errors
        .OrderBy(e => e.Line ?? 0)
        .ThenBy(e => e.Column ?? 0)
        .ToArray());
}
