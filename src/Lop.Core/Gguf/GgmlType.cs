namespace Lop.Core.Gguf;

/// <summary>ggml's tensor element types that Lop.Build writes or meets in llama.cpp's quantized output (numbers are ggml's).</summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    BF16 = 30,
}

internal static class GgmlTypes
{
    /// <summary>
    /// Values per quantization block and bytes per block. A row is quantized block by block along its
    /// input dimension, so a row length that is not a multiple of the block cannot take that type.
    /// </summary>
    public static (int BlockValues, int BlockBytes) Block(GgmlType type) => type switch
    {
        GgmlType.F32 => (1, 4),
        GgmlType.F16 or GgmlType.BF16 => (1, 2),
        GgmlType.Q4_0 => (32, 18),
        GgmlType.Q4_1 => (32, 20),
        GgmlType.Q5_0 => (32, 22),
        GgmlType.Q5_1 => (32, 24),
        GgmlType.Q8_0 => (32, 34),
        GgmlType.Q2_K => (256, 84),
        GgmlType.Q3_K => (256, 110),
        GgmlType.Q4_K => (256, 144),
        GgmlType.Q5_K => (256, 176),
        GgmlType.Q6_K => (256, 210),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ggml type"),
    };

    public static bool IsKnown(uint value) => Enum.IsDefined(typeof(GgmlType), value);

    /// <summary>Bytes of a tensor of <paramref name="elements"/> values whose rows are <paramref name="rowLength"/> long.</summary>
    public static long ByteLength(GgmlType type, long elements, long rowLength)
    {
        var (values, bytes) = Block(type);
        if (rowLength % values != 0)
        {
            throw new ArgumentException($"a row of {rowLength} values is not a whole number of {type} blocks ({values})");
        }
        return elements / values * bytes;
    }

    public static string Name(GgmlType type) => type.ToString().ToLowerInvariant();
}
