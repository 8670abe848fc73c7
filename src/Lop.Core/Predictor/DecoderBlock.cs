using System.Runtime.CompilerServices;

namespace Lop.Core.Predictor;

/// <summary>
/// <see cref="PredictorBlock"/> (causal, inference) for one new token at a time: its key and value go
/// into a <see cref="DecoderCache"/> and its query attends to every cached position, itself included,
/// which is what the causal mask lets the last token of a full pass see.
/// </summary>
internal sealed class DecoderBlock(
    LayerNormWeights attnNorm, DenseWeights qkvProj, DenseWeights outProj, LayerNormWeights ffnNorm, DenseWeights fc1, DenseWeights fc2, int heads)
{
    public int Hidden => outProj.Out;

    public DecoderCache NewCache(int positions) => new(positions, Hidden, fc1.Out);

    /// <summary>Runs the block on the token at <paramref name="position"/>, in place; positions must come in order from 0.</summary>
    [MethodImpl(VectorDot.Optimised)]
    public void Step(Span<float> x, DecoderCache cache, int position)
    {
        var hidden = Hidden;
        var headDim = hidden / heads;
        var scale = 1 / MathF.Sqrt(headDim);
        var normed = cache.Normed;
        var qkv = cache.Qkv;
        attnNorm.Apply(x, normed);
        qkvProj.Apply(normed, qkv);
        // qkv is [3][heads][headDim], torch's view(.., 3, heads, headDim).
        qkv.AsSpan(hidden, hidden).CopyTo(cache.Keys.AsSpan(position * hidden, hidden));
        qkv.AsSpan(2 * hidden, hidden).CopyTo(cache.Values.AsSpan(position * hidden, hidden));
        var merged = cache.Merged;
        var scores = cache.Scores;
        for (var h = 0; h < heads; h++)
        {
            var query = qkv.AsSpan(h * headDim, headDim);
            var max = double.NegativeInfinity;
            for (var j = 0; j <= position; j++)
            {
                scores[j] = VectorDot.Dot(query, cache.Keys.AsSpan((j * hidden) + (h * headDim), headDim)) * scale;
                max = Math.Max(max, scores[j]);
            }
            double total = 0;
            for (var j = 0; j <= position; j++)
            {
                scores[j] = Math.Exp(scores[j] - max);
                total += scores[j];
            }
            var output = merged.AsSpan(h * headDim, headDim);
            for (var d = 0; d < headDim; d++)
            {
                double sum = 0;
                for (var j = 0; j <= position; j++)
                {
                    sum += scores[j] * cache.Values[(j * hidden) + (h * headDim) + d];
                }
                output[d] = (float)(sum / total);
            }
        }
        var projected = cache.Normed;
        outProj.Apply(merged, projected);
        Add(x, projected);
        ffnNorm.Apply(x, normed);
        fc1.Apply(normed, cache.Wide);
        ExactGelu.Apply(cache.Wide);
        fc2.Apply(cache.Wide, projected);
        Add(x, projected);
    }

    [MethodImpl(VectorDot.Optimised)]
    private static void Add(Span<float> x, ReadOnlySpan<float> y)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] += y[i];
        }
    }
}
