using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Rotary position embedding in Hugging Face's "rotate half" layout: the first and second halves of
/// each head dimension form the rotated pairs (not interleaved even/odd as in Meta's original code).
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>
    /// cos and sin tables of shape [seqLen, headDim], in <paramref name="dtype"/>, with the frequencies of
    /// <paramref name="scaling"/> (null: unscaled) and its attention factor applied to both, as transformers does.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Tables(long seqLen, long headDim, double theta, RopeScaling? scaling, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var inverseFrequencies = tensor(RopeFrequencies.Inverse(checked((int)headDim), theta, scaling, seqLen), dtype: ScalarType.Float64, device: device);
        var positions = arange(seqLen, dtype: ScalarType.Float64, device: device);
        var angles = outer(positions, inverseFrequencies);
        var doubled = cat([angles, angles], dim: -1);
        var attentionFactor = RopeFrequencies.AttentionFactor(scaling);
        var cos = doubled.cos().Times(attentionFactor).to(dtype).MoveToOuterDisposeScope();
        var sin = doubled.sin().Times(attentionFactor).to(dtype).MoveToOuterDisposeScope();
        return (cos, sin);
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, seq, headDim] by the tables.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = cat([-second, first], dim: -1);
        return (x * cos).Plus(rotated * sin).MoveToOuterDisposeScope();
    }
}
