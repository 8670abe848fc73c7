using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Importance;
using Lop.Core.Models;

namespace Lop.Core.Pruning;

/// <summary>
/// Evaluates pruned configurations of one dense model without copying weights: the FFN neurons are
/// kept sorted by one importance method, so a configuration (kept count per layer) is a prefix view.
/// Switching to another method re-sorts once, relative to the current order.
/// </summary>
internal sealed class PrefixEvaluator(IPrunableModel model, ImportanceScores scores)
{
    // order[l][j] = original index of the neuron now at position j.
    private readonly int[][] _order = model.Layers.Select(l => Enumerable.Range(0, (int)l.Mlp.Width).ToArray()).ToArray();

    public IPrunableModel Model { get; } = model;

    public ImportanceMethod? Method { get; private set; }

    public void UseMethod(ImportanceMethod method)
    {
        if (Method == method)
        {
            return;
        }
        for (var l = 0; l < _order.Length; l++)
        {
            var ranking = scores.Ranking(method, l);
            var position = new int[ranking.Length];
            for (var j = 0; j < _order[l].Length; j++)
            {
                position[_order[l][j]] = j;
            }
            // Neuron now at position[ranking[j]] moves to j.
            Model.Layers[l].Mlp.PermuteNeurons(ranking.Select(original => (long)position[original]).ToArray());
            _order[l] = ranking;
        }
        Method = method;
    }

    /// <summary>True- and wrong-image caption perplexity of the configuration keeping <paramref name="kept"/>[l] neurons of layer l.</summary>
    public MultimodalGapResult MeasureGap(IReadOnlyList<int> kept, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        try
        {
            Model.SetActiveWidths(kept.Select(k => (long)k).ToArray());
            return MultimodalGap.Measure(Model, sequences, batchSize, cancellation);
        }
        finally
        {
            Model.SetActiveWidths(null);
        }
    }

    /// <summary>Perplexity of the configuration keeping <paramref name="kept"/>[l] most important neurons of layer l.</summary>
    public LogLikelihoodResult Evaluate(IReadOnlyList<int> kept, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        try
        {
            Model.SetActiveWidths(kept.Select(k => (long)k).ToArray());
            return LogLikelihood.Evaluate(Model, sequences, batchSize, cancellation: cancellation);
        }
        finally
        {
            Model.SetActiveWidths(null);
        }
    }
}
