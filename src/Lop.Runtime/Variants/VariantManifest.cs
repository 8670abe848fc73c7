namespace Lop.Runtime.Variants;

/// <summary>
/// The fields of <c>lop-manifest.json</c> an app needs. The engine writes more; unknown fields are ignored,
/// so a newer engine's manifest still reads.
/// </summary>
public sealed record VariantManifest(
    int Schema,
    string? EngineVersion,
    string? Target,
    string? Constraint,
    double? Budget,
    long? ParametersAfter,
    double? HeldOutPerplexity,
    GgufInfo? Gguf);
