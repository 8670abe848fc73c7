using Lop.Core.Importance;

namespace Lop.Core.Allocation;

/// <summary>Every layer at the budget.</summary>
internal sealed class UniformAllocator(int layers) : ILayerAllocator
{
    public string Method => "uniform";

    public double[] Ratios(double budget) => Enumerable.Repeat(budget, layers).ToArray();
}

/// <summary>
/// OWL (outlier-weighed layer-wise sparsity), structured: a layer's outlier ratio D_l is the fraction
/// of its neurons whose Wanda score exceeds <paramref name="threshold"/> x the layer's mean score;
/// layers with more outliers are pruned less, ratios spread linearly over [b - lambda, b + lambda].
/// OWL's defaults: M = 5, lambda = 0.08.
/// </summary>
internal sealed class OwlAllocator(ImportanceScores scores, double threshold = 5, double lambda = 0.08) : ILayerAllocator
{
    public string Method => "owl";

    /// <summary>
    /// True when every layer has the same outlier share: OWL then has nothing to tell layers apart by and
    /// its ratios are uniform's. Callers report it, since an "owl" row equal to "uniform" otherwise looks like a result.
    /// </summary>
    public bool IsUniform
    {
        get
        {
            var outliers = OutlierShares();
            return outliers.Max() - outliers.Min() < 1e-12;
        }
    }

    public double[] Ratios(double budget)
    {
        var outliers = OutlierShares();
        var (min, max) = (outliers.Min(), outliers.Max());
        if (max - min < 1e-12)
        {
            return new UniformAllocator(scores.Layers).Ratios(budget);
        }
        return outliers.Select(d => budget + lambda - 2 * lambda * (d - min) / (max - min)).ToArray();
    }

    private double[] OutlierShares() => Enumerable.Range(0, scores.Layers).Select(l =>
    {
        var wanda = scores.For(ImportanceMethod.Wanda, l);
        var mean = wanda.Average();
        return wanda.Count(s => s > threshold * mean) / (double)wanda.Length;
    }).ToArray();
}

/// <summary>
/// FLAP's adaptive structure (its AL-MM, FFN part): standardise each layer's fluctuation scores (z-scores
/// within the layer, with the sample standard deviation, N - 1, as FLAP's torch.std), rank all neurons of
/// the model together and remove the globally lowest; a layer's ratio is the share of its neurons that
/// fell. Only the ratios come from here: which neurons go, and the bias that replaces them, is the
/// evaluation's neuron selection. Bounds are left to the projection.
/// </summary>
internal sealed class FlapAllocator(ImportanceScores scores) : ILayerAllocator
{
    public string Method => "flap";

    public double[] Ratios(double budget)
    {
        var all = new List<(double Z, int Layer)>();
        for (var l = 0; l < scores.Layers; l++)
        {
            var flap = scores.For(ImportanceMethod.Flap, l);
            var mean = flap.Average();
            var std = flap.Length > 1 ? Math.Sqrt(flap.Sum(s => (s - mean) * (s - mean)) / (flap.Length - 1)) : 0;
            all.AddRange(flap.Select(s => ((s - mean) / (std > 0 ? std : 1), l)));
        }
        var removeCount = (int)Math.Round(budget * all.Count);
        var removed = new int[scores.Layers];
        foreach (var (_, layer) in all.OrderBy(a => a.Z).ThenBy(a => a.Layer).Take(removeCount))
        {
            removed[layer]++;
        }
        return removed.Select((r, l) => r / (double)scores.Widths[l]).ToArray();
    }
}
