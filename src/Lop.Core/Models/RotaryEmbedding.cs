using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Rotary position embedding in Hugging Face's "rotate half" layout: the first and second halves of
/// each head dimension form the rotated pairs (not interleaved even/odd as in Meta's original code).
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>cos and sin tables of shape [seqLen, headDim], in <paramref name="dtype"/>.</summary>
    public static (Tensor Cos, Tensor Sin) Tables(long seqLen, long headDim, double theta, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        var exponents = arange(0, headDim, 2, dtype: ScalarType.Float64, device: device) / headDim;
        var inverseFrequencies = pow(theta, exponents).reciprocal();
        var positions = arange(seqLen, dtype: ScalarType.Float64, device: device);
        var angles = outer(positions, inverseFrequencies);
        var doubled = cat([angles, angles], dim: -1);
        var cos = doubled.cos().to(dtype).MoveToOuterDisposeScope();
        var sin = doubled.sin().to(dtype).MoveToOuterDisposeScope();
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
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
