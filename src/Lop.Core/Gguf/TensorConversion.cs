using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Lop.Core.Formats;

namespace Lop.Core.Gguf;

/// <summary>Element conversion between the float types a checkpoint and a GGUF file hold.</summary>
internal static class TensorConversion
{
    public static int SizeOf(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "only float types are converted by Lop.Build"),
    };

    /// <summary>The ggml type whose bytes are identical to <paramref name="dtype"/>'s, if any.</summary>
    public static GgmlType? SameBytes(DType dtype) => dtype switch
    {
        DType.F32 => GgmlType.F32,
        DType.F16 => GgmlType.F16,
        DType.BF16 => GgmlType.BF16,
        _ => null,
    };

    public static void ToSingle(DType source, ReadOnlySpan<byte> bytes, Span<float> values)
    {
        switch (source)
        {
            case DType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(values);
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), values);
                break;
            case DType.BF16:
                var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(halves[i] << 16);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(source), source, "only float tensors are exported");
        }
    }

    public static void FromSingle(ReadOnlySpan<float> values, GgmlType target, Span<byte> bytes)
    {
        switch (target)
        {
            case GgmlType.F32:
                MemoryMarshal.Cast<float, byte>(values).CopyTo(bytes);
                break;
            case GgmlType.F16:
                TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(bytes));
                break;
            case GgmlType.BF16:
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], ToBFloat16(values[i]));
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target, "only float types are written by Lop.Build");
        }
    }

    /// <summary>Round to nearest even, as PyTorch and ggml do; NaN stays a (quiet) NaN.</summary>
    internal static ushort ToBFloat16(float value)
    {
        var bits = (uint)BitConverter.SingleToInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
