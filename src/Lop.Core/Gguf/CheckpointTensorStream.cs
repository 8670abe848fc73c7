using System.Buffers.Binary;
using Lop.Core.Errors;
using Lop.Core.Formats;

namespace Lop.Core.Gguf;

/// <summary>
/// Streams one checkpoint tensor into a GGUF data section as F32 or F16, a chunk at a time straight
/// from the memory-mapped safetensors file, so exporting never holds a second copy of a weight.
/// Pages already written are released, as a checkpoint read end to end would otherwise stay resident.
/// </summary>
internal static class CheckpointTensorStream
{
    private const int ChunkElements = 1 << 18;

    public static bool CanConvert(DType source) => source is DType.F32 or DType.F16 or DType.BF16;

    /// <summary>A tensor to write whose bytes come from <paramref name="info"/> in <paramref name="file"/>.</summary>
    public static GgufTensorToWrite From(string ggufName, SafetensorsFile file, TensorInfo info, GgmlType target)
    {
        if (!CanConvert(info.DType))
        {
            throw new LopException(ErrorCodes.ArchitectureNotExportable,
                $"tensor {info.Name} is stored as {info.DType}; only F32, F16 and BF16 weights can be written to GGUF.", file.Path);
        }
        // ggml lists dimensions innermost first: the reverse of PyTorch's row-major shape, same bytes.
        var dimensions = info.Shape.Reverse().ToArray();
        var length = GgmlTypes.ByteLength(target, info.ElementCount, dimensions[0]);
        return new GgufTensorToWrite(ggufName, dimensions, target, length, (output, cancellation) => Write(output, file, info, target, cancellation));
    }

    /// <summary>A tensor of zeros, for a part llama.cpp requires that the model does without (a bias-free projector).</summary>
    public static GgufTensorToWrite Zeros(string ggufName, long length)
    {
        var bytes = length * 4;
        return new GgufTensorToWrite(ggufName, [length], GgmlType.F32, bytes, (output, _) => output.Write(new byte[bytes]));
    }

    private static void Write(Stream output, SafetensorsFile file, TensorInfo info, GgmlType target, CancellationToken cancellation)
    {
        var sourceSize = DTypes.SizeOf(info.DType);
        var targetSize = target == GgmlType.F32 ? 4 : 2;
        var buffer = new byte[ChunkElements * targetSize];
        for (long start = 0; start < info.ElementCount; start += ChunkElements)
        {
            cancellation.ThrowIfCancellationRequested();
            var count = (int)Math.Min(ChunkElements, info.ElementCount - start);
            var source = file.Span(info, start * sourceSize, count * sourceSize);
            var destination = buffer.AsSpan(0, count * targetSize);
            for (var i = 0; i < count; i++)
            {
                var value = Read(source, i, info.DType);
                if (target == GgmlType.F32)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], value);
                }
                else
                {
                    BinaryPrimitives.WriteHalfLittleEndian(destination[(i * 2)..], (Half)value);
                }
            }
            output.Write(destination);
            file.ReleasePages(info, start * sourceSize, (long)count * sourceSize);
        }
    }

    private static float Read(ReadOnlySpan<byte> source, int index, DType type) => type switch
    {
        DType.F32 => BinaryPrimitives.ReadSingleLittleEndian(source[(index * 4)..]),
        DType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(source[(index * 2)..]),
        // bfloat16 is the upper half of a float32.
        _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(index * 2)..]) << 16),
    };
}
