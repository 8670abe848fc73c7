using System.Runtime.CompilerServices;

namespace Lop.Core.Predictor;

/// <summary>A Linear layer's weights as plain arrays: y = W x + b with W row-major [out, in], as torch stores it.</summary>
internal sealed class DenseWeights(float[] weight, float[] bias)
{
    public int Out => bias.Length;

    public int In => weight.Length / bias.Length;

    [MethodImpl(VectorDot.Optimised)]
    public void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        var width = In;
        for (var o = 0; o < bias.Length; o++)
        {
            y[o] = VectorDot.Dot(weight.AsSpan(o * width, width), x) + bias[o];
        }
    }
}
