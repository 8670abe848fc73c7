namespace Lop.Core.Importance;

/// <summary>Per-layer, per-neuron scores for each <see cref="ImportanceMethod"/>; higher means keep.</summary>
public sealed class ImportanceScores
{
    private readonly IReadOnlyDictionary<ImportanceMethod, double[][]> _byMethod;

    /// <param name="meanActivations">each neuron's mean down_proj input over the calibration tokens, per layer; null for hand-made scores</param>
    public ImportanceScores(IReadOnlyDictionary<ImportanceMethod, double[][]> byMethod, long calibrationTokens, double[][]? meanActivations = null)
    {
        var widths = byMethod.Values.First().Select(layer => layer.Length).ToArray();
        foreach (var (method, layers) in byMethod)
        {
            if (!layers.Select(l => l.Length).SequenceEqual(widths))
            {
                throw new ArgumentException($"{method} scores disagree with the others on layer widths");
            }
        }
        if (meanActivations is not null && !meanActivations.Select(l => l.Length).SequenceEqual(widths))
        {
            throw new ArgumentException("the mean activations disagree with the scores on layer widths");
        }
        _byMethod = byMethod;
        CalibrationTokens = calibrationTokens;
        MeanActivations = meanActivations;
        Widths = widths;
    }

    public long CalibrationTokens { get; }

    public IReadOnlyList<int> Widths { get; }

    public int Layers => Widths.Count;

    public IEnumerable<ImportanceMethod> Methods => _byMethod.Keys;

    /// <summary>
    /// Each neuron's mean activation (down_proj input) over the calibration tokens, per layer, in the
    /// checkpoint's order: what FLAP's bias compensation adds back for the neurons it removes. Not a score
    /// (a mean near zero says nothing about importance), so it is kept beside them.
    /// </summary>
    public IReadOnlyList<double[]>? MeanActivations { get; }

    public double[] For(ImportanceMethod method, int layer) => _byMethod[method][layer];

    /// <summary>Neuron indices of a layer from most to least important (ties: lower index first, so the order is deterministic).</summary>
    public int[] Ranking(ImportanceMethod method, int layer)
    {
        var scores = For(method, layer);
        var order = Enumerable.Range(0, scores.Length).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var byScore = scores[b].CompareTo(scores[a]);
            return byScore != 0 ? byScore : a.CompareTo(b);
        });
        return order;
    }
}
