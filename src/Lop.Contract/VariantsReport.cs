using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lop.Contract;

// The engine <-> MSBuild task contract, one copy: this folder is compiled into the engine (Lop.Core) and
// into the task (Lop.Build), which must not reference the engine (it runs inside MSBuild). Keep it to
// the BCL. Changing a shape here changes both sides at once; move LopEngineVersionRange with it.

/// <summary>One emitted variant of <c>lop variants --json</c>.</summary>
public sealed record VariantSummary(
    string Target,
    string Constraint,
    double Budget,
    string Folder,
    string Manifest,
    long Parameters,
    long Bytes,
    double HeldOutPerplexity,
    bool UpToDate,
    string Explanation);

/// <summary>What <c>lop variants --json</c> prints on stdout, one document; also the engine's lop-variants.json.</summary>
public sealed record VariantsReport(string Config, string OutputFolder, IReadOnlyList<VariantSummary> Variants, string EngineVersion, double Seconds);

/// <summary>The JSON form of the engine's <c>--json</c> output: camelCase, declaration order, indented.</summary>
public static class VariantsJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(VariantsReport report) => JsonSerializer.Serialize(report, Options);

    /// <summary>Throws JsonException for malformed JSON and FormatException when a variant lacks its target or folder.</summary>
    public static VariantsReport Deserialize(string json)
    {
        var report = JsonSerializer.Deserialize<VariantsReport>(json, Options) ?? throw new FormatException("the document is null");
        if (report.Variants is null)
        {
            throw new FormatException("there is no \"variants\" array");
        }
        foreach (var variant in report.Variants)
        {
            if (variant is null || variant.Folder is null || variant.Target is null)
            {
                throw new FormatException("a variant has no target or no folder");
            }
        }
        return report;
    }
}
