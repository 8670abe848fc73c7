namespace Lop.Core.Importance;

/// <summary>Per-layer, per-neuron scores for each <see cref="ImportanceMethod"/>; higher means keep.</summary>
public sealed class ImportanceScores
{
    private readonly IReadOnlyDictionary<ImportanceMethod, double[][]> _byMethod;

    public ImportanceScores(IReadOnlyDictionary<ImportanceMethod, double[][]> byMethod, long calibrationTokens)
    {
        var widths = byMethod.Values.First().Select(layer => layer.Length).ToArray();
        foreach (var (method, layers) in byMethod)
        {
            if (!layers.Select(l => l.Length).SequenceEqual(widths))
            {
                throw new ArgumentException($"{method} scores disagree with the others on layer widths");
            }
        }
        _byMethod = byMethod;
        CalibrationTokens = calibrationTokens;
        Widths = widths;
    }

    public long CalibrationTokens { get; }

    public IReadOnlyList<int> Widths { get; }

    public int Layers => Widths.Count;

    public IEnumerable<ImportanceMethod> Methods => _byMethod.Keys;

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
