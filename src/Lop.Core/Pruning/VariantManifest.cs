using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lop.Core.Pruning;

/// <summary>
/// lop-manifest.json beside a variant: enough to know exactly what was removed from what, to
/// reproduce it, and to recognise a folder as ours before replacing it.
/// </summary>
public sealed record VariantManifest
{
    public const string FileName = "lop-manifest.json";
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;
    public required string EngineVersion { get; init; }
    public required string SourceFolder { get; init; }
    public required string SourceFingerprint { get; init; }
    public required string Importance { get; init; }
    public string? CalibrationHash { get; init; }
    public required double[] Ratios { get; init; }
    public required double AchievedRatio { get; init; }
    public required int[] WidthsBefore { get; init; }
    public required int[] KeptPerLayer { get; init; }
    public required long ParametersBefore { get; init; }
    public required long ParametersAfter { get; init; }
    public required int[][] KeptNeurons { get; init; }

    /// <summary>For variants built from lop.yaml: the target's name, its constraint and the budget it was solved to.</summary>
    public string? Target { get; init; }
    public string? Constraint { get; init; }
    public double? Budget { get; init; }

    /// <summary>Hash of everything the variant depends on: an unchanged key means nothing to redo.</summary>
    public string? InputsKey { get; init; }

    /// <summary>"text" or "image+text": what importance, search and evaluation ran on.</summary>
    public string? Calibration { get; init; }

    /// <summary>Why a model with a vision tower was calibrated on text only; absent otherwise.</summary>
    public string? TextOnlyReason { get; init; }

    /// <summary>For a vision-language model: what happened to the vision tower and projector ("copied unchanged").</summary>
    public string? VisionTower { get; init; }

    public double? HeldOutPerplexity { get; init; }
    public long? Bytes { get; init; }

    /// <summary>Kept widths are multiples of this (a quantization block); absent means whole neurons.</summary>
    public int? Granularity { get; init; }

    /// <summary>The variant as a GGUF file for llama.cpp, when lop.yaml's formats include gguf.</summary>
    public GgufManifest? Gguf { get; init; }

    /// <summary>Every file of the variant folder, this manifest excluded, in ordinal order.</summary>
    public string[]? Files { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Files people read: "image+text", not "image\u002Btext" (nothing here is embedded in HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static VariantManifest Create(PruningPlan plan, string sourceFolder, string sourceFingerprint, string? calibrationHash, long parametersBefore, long parametersAfter) => new()
    {
        EngineVersion = EngineVersionString(),
        SourceFolder = sourceFolder,
        SourceFingerprint = sourceFingerprint,
        Importance = plan.Method.ToString().ToLowerInvariant(),
        CalibrationHash = calibrationHash,
        Ratios = plan.Ratios.ToArray(),
        AchievedRatio = plan.AchievedRatio,
        WidthsBefore = plan.Widths.ToArray(),
        KeptPerLayer = plan.KeptCounts,
        ParametersBefore = parametersBefore,
        ParametersAfter = parametersAfter,
        KeptNeurons = plan.KeptNeurons.ToArray(),
    };

    public static string EngineVersionString() =>
        typeof(VariantManifest).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}

/// <summary>
/// The GGUF file of a variant and what a runtime needs to choose it without opening it: its bytes
/// and the KV cache's shape (layers x kv heads x head dim per token).
/// </summary>
public sealed record GgufManifest(
    string File,
    string? Mmproj,
    string Type,
    string Architecture,
    string ArchitectureReason,
    long Bytes,
    int Layers,
    int KvHeads,
    int HeadDim,
    int ContextLength,
    IReadOnlyList<Gguf.QuantizationFallback> Fallbacks);
