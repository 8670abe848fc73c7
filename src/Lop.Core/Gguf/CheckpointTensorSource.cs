using Lop.Core.Errors;
using Lop.Core.Formats;

namespace Lop.Core.Gguf;

/// <summary>
/// Streams one checkpoint tensor into a GGUF file: straight byte copies when the dtype already
/// matches and no rows move, otherwise row by row through float32 (conversion and, for q/k
/// projections, the per-head row order llama.cpp's NORM rope expects). Pages already written are
/// dropped from the process's mapping, so peak memory stays flat whatever the model's size.
/// </summary>
internal static class CheckpointTensorSource
{
    private const int CopyChunk = 16 << 20;

    /// <param name="ropeHeads">heads of a q or k projection whose rows are reordered for NORM rope; 0 to keep the order</param>
    public static GgufTensorToWrite Create(HfCheckpoint checkpoint, string checkpointName, string ggufName, GgmlType target, int ropeHeads = 0)
    {
        var (file, info) = checkpoint.Get(checkpointName);
        return Create(file, info, ggufName, target, ropeHeads);
    }

    /// <summary>As above, for a tensor already looked up (any rank: rows are all dimensions but the last).</summary>
    public static GgufTensorToWrite Create(SafetensorsFile file, TensorInfo info, string ggufName, GgmlType target, int ropeHeads = 0)
    {
        if (TensorConversion.SameBytes(info.DType) is null)
        {
            throw new LopException(ErrorCodes.UnsupportedDType,
                $"tensor {info.Name} is {info.DType}; only F32, F16 and BF16 tensors can be exported to GGUF.", file.Path);
        }
        if (info.Shape.Length == 0)
        {
            throw new LopException(ErrorCodes.ShapeMismatch, $"tensor {info.Name} is a scalar; GGUF tensors have at least one dimension.", file.Path);
        }
        // A bias reordered for rope moves single values: each element is a row of one.
        var rowLength = info.Shape.Length == 1 && ropeHeads > 0 ? 1 : info.Shape[^1];
        var rows = info.ElementCount / rowLength;
        // ggml lists dimensions innermost first: a PyTorch [out, in] weight is [in, out], same bytes.
        var dimensions = info.Shape.Reverse().ToArray();
        var length = rows * rowLength * TensorConversion.SizeOf(target);
        var rowOrder = ropeHeads > 0 ? RopeRowOrder(rows, ropeHeads, info.Name) : null;
        return new GgufTensorToWrite(ggufName, dimensions, target, length, (stream, cancellation) =>
        {
            if (rowOrder is null && TensorConversion.SameBytes(info.DType) == target)
            {
                CopyBytes(file, info, stream, cancellation);
            }
            else
            {
                ConvertRows(file, info, rows, (int)rowLength, rowOrder, target, stream, cancellation);
            }
            file.ReleasePages(info);
        });
    }

    /// <summary>An f32 vector of zeros, for a part llama.cpp requires that a model does without (a bias-free projector).</summary>
    public static GgufTensorToWrite Zeros(string ggufName, long length) =>
        new(ggufName, [length], GgmlType.F32, length * 4, (output, _) => output.Write(new byte[length * 4]));

    /// <summary>
    /// For NORM rope: within each head of d rows, output row 2i comes from input row i and row 2i+1
    /// from input row i + d/2 (Hugging Face rotates halves; ggml rotates adjacent pairs).
    /// </summary>
    internal static long[] RopeRowOrder(long rows, int heads, string name)
    {
        if (rows % heads != 0 || rows / heads % 2 != 0)
        {
            throw new LopException(ErrorCodes.ShapeMismatch, $"tensor {name} has {rows} rows, not an even number per head for {heads} heads.");
        }
        var headDim = rows / heads;
        var half = headDim / 2;
        var order = new long[rows];
        for (long h = 0; h < heads; h++)
        {
            for (long i = 0; i < half; i++)
            {
                order[h * headDim + 2 * i] = h * headDim + i;
                order[h * headDim + 2 * i + 1] = h * headDim + half + i;
            }
        }
        return order;
    }

    private static void CopyBytes(SafetensorsFile file, TensorInfo info, Stream stream, CancellationToken cancellation)
    {
        for (long offset = 0; offset < info.ByteLength; offset += CopyChunk)
        {
            cancellation.ThrowIfCancellationRequested();
            var count = (int)Math.Min(CopyChunk, info.ByteLength - offset);
            stream.Write(file.Span(info, offset, count));
            file.ReleasePages(info, offset, count);
        }
    }

    private static void ConvertRows(SafetensorsFile file, TensorInfo info, long rows, int rowLength, long[]? rowOrder, GgmlType target,
        Stream stream, CancellationToken cancellation)
    {
        var sourceRowBytes = rowLength * DTypes.SizeOf(info.DType);
        var values = new float[rowLength];
        var output = new byte[rowLength * TensorConversion.SizeOf(target)];
        for (long row = 0; row < rows; row++)
        {
            if ((row & 1023) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
            }
            var source = rowOrder?[row] ?? row;
            TensorConversion.ToSingle(info.DType, file.Span(info, source * sourceRowBytes, sourceRowBytes), values);
            TensorConversion.FromSingle(values, target, output);
            stream.Write(output);
        }
    }
}
