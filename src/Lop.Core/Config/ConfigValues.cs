using System.Globalization;
using Lop.Core.Errors;
using YamlDotNet.RepresentationModel;
using static Lop.Core.Config.YamlSource;

namespace Lop.Core.Config;

/// <summary>
/// Reads typed values out of lop.yaml nodes: a mapping's keys (unknown ones reported with a did-you-mean),
/// required keys, paths relative to the yaml, names, choices, integers, fractions, sizes and counts. A value
/// that does not read reports why at its node and comes back null, so the caller keeps its default and goes on.
/// </summary>
internal sealed class ConfigValues(ConfigDiagnostics diagnostics, string folder)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public ConfigDiagnostics Diagnostics { get; } = diagnostics;

    /// <summary>The folder of lop.yaml, which relative paths are resolved against.</summary>
    public string Folder { get; } = folder;

    /// <summary>An optional section: null when absent or empty; a mapping's fields otherwise.</summary>
    public Dictionary<string, (YamlScalarNode Key, YamlNode Value)>? Section(YamlNode? node, string where, string[] allowed)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }
        if (node is not YamlMappingNode map)
        {
            Diagnostics.Invalid(node, $"{where} is {Describe(node)}; expected a mapping with keys {string.Join(", ", allowed)}.");
            return null;
        }
        return Fields(map, where, allowed);
    }

    /// <summary>The mapping's known keys; every other key is an error naming the likeliest intended one.</summary>
    public Dictionary<string, (YamlScalarNode Key, YamlNode Value)> Fields(YamlMappingNode map, string where, string[] allowed)
    {
        var fields = new Dictionary<string, (YamlScalarNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } scalar)
            {
                Diagnostics.Invalid(keyNode, $"{where}: a key must be a name, not {Describe(keyNode)}.");
                continue;
            }
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                var hint = DidYouMean.Hint(key, allowed);
                Diagnostics.Error(ErrorCodes.UnknownKey, scalar, hint.Length > 0
                    ? $"unknown key '{key}' in {where}{hint}"
                    : $"unknown key '{key}' in {where}; the keys are {string.Join(", ", allowed)}.");
                continue;
            }
            fields[key] = (scalar, value);
        }
        return fields;
    }

    public YamlNode? Require(YamlMappingNode map, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields, string key, string where, string what)
    {
        if (fields.TryGetValue(key, out var field) && !IsNull(field.Value))
        {
            return field.Value;
        }
        if (field.Key is not null)
        {
            Diagnostics.Error(ErrorCodes.RequiredKeyMissing, field.Key, $"{where}: '{key}' is required ({what}) but empty.");
        }
        else if (!map.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == key))
        {
            Diagnostics.Error(ErrorCodes.RequiredKeyMissing, map, $"{where} lacks the required key '{key}' ({what}).");
        }
        return null;
    }

    public static YamlNode? Get(Dictionary<string, (YamlScalarNode Key, YamlNode Value)>? fields, string key) =>
        fields is not null && fields.TryGetValue(key, out var field) ? field.Value : null;

    /// <summary>The absolute path a scalar names, relative to lop.yaml; whether it exists is for the checks.</summary>
    public string? PathOf(YamlNode node, string what)
    {
        if (Scalar(node, what, "a path (relative to lop.yaml)") is not { } text)
        {
            return null;
        }
        try
        {
            return Path.GetFullPath(Path.Combine(Folder, text));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            Diagnostics.Invalid(node, $"{what} '{text}' is not a valid path: {e.Message}");
            return null;
        }
    }

    public string? Scalar(YamlNode node, string what, string expected)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } value } && !IsNull(node))
        {
            return value;
        }
        Diagnostics.Invalid(node, $"{what} is {Describe(node)}; expected {expected}.");
        return null;
    }

    /// <summary>One of <paramref name="choices"/>, matched ignoring case and returned as the list spells it.</summary>
    public string? Choice(YamlNode node, string what, IReadOnlyList<string> choices)
    {
        var expected = string.Join(", ", choices.SkipLast(1)) + " or " + choices[^1];
        if (Scalar(node, what, expected) is not { } text)
        {
            return null;
        }
        if (choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase)) is { } choice)
        {
            return choice;
        }
        Diagnostics.Invalid(node, $"{what} is '{text}'; expected {expected}{DidYouMean.Hint(text, choices)}");
        return null;
    }

    public int? Integer(YamlNode node, string what, int min)
    {
        var expected = min == int.MinValue ? "an integer" : $"an integer, at least {min}";
        if (Scalar(node, what, expected) is not { } text)
        {
            return null;
        }
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, Invariant, out var value) && value >= min)
        {
            return value;
        }
        Diagnostics.Invalid(node, $"{what} is '{text}'; expected {expected}.");
        return null;
    }

    public double? Number(YamlNode node, string what, Func<double, bool> valid, string expected)
    {
        if (Scalar(node, what, expected) is not { } text)
        {
            return null;
        }
        if (double.TryParse(text, NumberStyles.Float, Invariant, out var value) && double.IsFinite(value) && valid(value))
        {
            return value;
        }
        Diagnostics.Invalid(node, $"{what} is '{text}'; expected {expected}.");
        return null;
    }

    public long? Size(YamlNode node, string what) => Quantity(node, what, Quantities.SizeHelp, Quantities.TryParseSize);

    public long? Count(YamlNode node, string what) => Quantity(node, what, Quantities.CountHelp, Quantities.TryParseCount);

    private delegate bool QuantityParser(string text, out long value);

    private long? Quantity(YamlNode node, string what, string help, QuantityParser parse)
    {
        if (Scalar(node, what, help) is not { } text)
        {
            return null;
        }
        if (parse(text, out var value) && value > 0)
        {
            return value;
        }
        Diagnostics.Invalid(node, $"{what} is '{text}'; expected a positive {help[2..]}.");
        return null;
    }
}
