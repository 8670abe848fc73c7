namespace Lop.Runtime.Variants;

/// <summary>
/// The <c>gguf</c> block of a variant's <c>lop-manifest.json</c>, as the engine writes it: the llama.cpp file
/// and the figures needed to size it in memory without opening it.
/// </summary>
/// <param name="File">The model file, relative to the variant folder.</param>
/// <param name="Mmproj">The vision tower and projector (llama.cpp clip format), relative to the variant folder; LLaVA variants only.</param>
/// <param name="Type">Weight type: f32, f16, bf16, q8_0 or q4_k_m.</param>
/// <param name="Architecture">llama.cpp architecture: llama, qwen2 or deci.</param>
/// <param name="ArchitectureReason">Why the engine chose that architecture.</param>
/// <param name="Bytes">Size of the model file plus the mmproj file.</param>
/// <param name="Layers">Decoder layers.</param>
/// <param name="KvHeads">Key/value heads per layer.</param>
/// <param name="HeadDim">Dimension of one head.</param>
/// <param name="ContextLength">The model's trained maximum context.</param>
public sealed record GgufInfo(
    string File,
    string? Mmproj,
    string Type,
    string Architecture,
    string? ArchitectureReason,
    long Bytes,
    int Layers,
    int KvHeads,
    int HeadDim,
    int ContextLength);
