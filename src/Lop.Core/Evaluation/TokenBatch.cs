using static TorchSharp.torch;

namespace Lop.Core.Evaluation;

/// <summary>Packs equal-length token sequences into an int64 tensor [count, seq].</summary>
internal static class TokenBatch
{
    public static Tensor Create(IReadOnlyList<int[]> sequences, int start, int count)
    {
        var length = sequences[start].Length;
        var flat = new long[count * length];
        for (var i = 0; i < count; i++)
        {
            var sequence = sequences[start + i];
            if (sequence.Length != length)
            {
                throw new ArgumentException($"sequence {start + i} has {sequence.Length} tokens, expected {length}");
            }
            for (var t = 0; t < length; t++)
            {
                flat[i * length + t] = sequence[t];
            }
        }
        return tensor(flat, [count, length]);
    }
}
