using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Importance;
using Lop.Core.Models;

namespace Lop.Core.Pruning;

/// <summary>
/// Evaluates pruned configurations of one dense model without copying weights: the FFN neurons are
/// kept sorted by one importance method, so a configuration (kept count per layer) is a prefix view.
/// The order lives in the model's <see cref="PrefixView"/>, not here, so any number of evaluators of
/// one model agree on it; switching to another method re-sorts once.
/// </summary>
internal sealed class PrefixEvaluator(IPrunableModel model, ImportanceScores scores)
{
    public IPrunableModel Model { get; } = model;

    public void UseMethod(ImportanceMethod method) => ImportanceOrder.Apply(Model, scores, method);

    /// <summary>True- and wrong-image caption perplexity of the configuration keeping <paramref name="kept"/>[l] neurons of layer l.</summary>
    public MultimodalGapResult MeasureGap(IReadOnlyList<int> kept, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        using var narrowed = Model.Prefix.Narrow(kept);
        return MultimodalGap.Measure(Model, sequences, batchSize, cancellation);
    }

    /// <summary>Perplexity of the configuration keeping <paramref name="kept"/>[l] most important neurons of layer l.</summary>
    public LogLikelihoodResult Evaluate(IReadOnlyList<int> kept, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        using var narrowed = Model.Prefix.Narrow(kept);
        return LogLikelihood.Evaluate(Model, sequences, batchSize, cancellation: cancellation);
    }
}
