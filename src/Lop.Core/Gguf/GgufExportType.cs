using Lop.Core.Errors;

namespace Lop.Core.Gguf;

/// <summary>
/// What a GGUF export holds: plain floats written by Lop.Build (f32, f16, bf16), or llama.cpp's
/// quantization mixes made from such a file by llama.cpp's own quantizer (q8_0, q4_k_m).
/// </summary>
public sealed record GgufExportType(string Name, GgmlType FloatType, bool Quantized, int BlockValues, double BitsPerWeight)
{
    public static readonly GgufExportType F32 = new("f32", GgmlType.F32, false, 1, 32);
    public static readonly GgufExportType F16 = new("f16", GgmlType.F16, false, 1, 16);
    public static readonly GgufExportType BF16 = new("bf16", GgmlType.BF16, false, 1, 16);

    /// <summary>34 bytes per block of 32 values.</summary>
    public static readonly GgufExportType Q8_0 = new("q8_0", GgmlType.F16, true, 32, 8.5);

    /// <summary>
    /// llama.cpp's Q4_K_M mix: Q4_K (4.5 bits) for most matrices, Q6_K (6.5625 bits) for attn_v and
    /// ffn_down in about half the layers and for the output matrix. An FFN neuron is one gate row,
    /// one up row and one down column, so it averages (4.5 + 4.5 + (6.5625 + 4.5) / 2) / 3 = 4.84
    /// bits; the rest of the model is close to that too, so sizing uses 4.85.
    /// </summary>
    public static readonly GgufExportType Q4_K_M = new("q4_k_m", GgmlType.F16, true, 256, 4.85);

    public static IReadOnlyList<GgufExportType> All { get; } = [F32, F16, BF16, Q8_0, Q4_K_M];

    public static string Names => string.Join(", ", All.Select(t => t.Name));

    /// <summary>Bytes of one weight, for sizing targets in this type (fractional for quantized types).</summary>
    public double BytesPerWeight => BitsPerWeight / 8;

    /// <summary>
    /// FFN widths should be multiples of this: ggml quantizes a row block by block along its input
    /// dimension, and ffn_down's input dimension is the FFN width, so another width makes llama.cpp
    /// store that tensor in a different (usually larger) type.
    /// </summary>
    public int Granularity => BlockValues;

    public static GgufExportType Parse(string text, string? file = null) =>
        All.FirstOrDefault(t => string.Equals(t.Name, text, StringComparison.OrdinalIgnoreCase))
        ?? throw new LopException(ErrorCodes.ExportTypeUnknown, $"GGUF type '{text}' is not supported; use one of {Names}.", file);

    public override string ToString() => Name;
}
