using System.Runtime.CompilerServices;

namespace Lop.Core.Predictor;

/// <summary>torch's LayerNorm over the last dimension: biased variance, eps 1e-5 (its default), then scale and shift.</summary>
internal sealed class LayerNormWeights(float[] weight, float[] bias)
{
    private const double Epsilon = 1e-5;

    [MethodImpl(VectorDot.Optimised)]
    public void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        double mean = 0;
        foreach (var v in x)
        {
            mean += v;
        }
        mean /= x.Length;
        double variance = 0;
        foreach (var v in x)
        {
            variance += (v - mean) * (v - mean);
        }
        var inverse = 1 / Math.Sqrt((variance / x.Length) + Epsilon);
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = (float)(((x[i] - mean) * inverse * weight[i]) + bias[i]);
        }
    }
}
