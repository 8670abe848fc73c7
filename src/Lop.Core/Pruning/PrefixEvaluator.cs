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
    private bool _biasCompensation;

    public IPrunableModel Model { get; } = model;

    public void UseMethod(ImportanceMethod method) => Use(new NeuronSelection(method, false));

    /// <summary>Sorts the neurons by the selection's method; with compensation, every later evaluation adds the removed neurons' mean output.</summary>
    public void Use(NeuronSelection selection)
    {
        if (selection.BiasCompensation && scores.MeanActivations is null)
        {
            throw new InvalidOperationException("bias compensation needs the neurons' mean activations, and these scores have none");
        }
        ImportanceOrder.Apply(Model, scores, selection.Order);
        _biasCompensation = selection.BiasCompensation;
    }

    /// <summary>True- and wrong-image caption perplexity of the configuration keeping <paramref name="kept"/>[l] neurons of layer l.</summary>
    public MultimodalGapResult MeasureGap(IReadOnlyList<int> kept, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        using var narrowed = Narrow(kept);
        return MultimodalGap.Measure(Model, sequences, batchSize, cancellation);
    }

    /// <summary>Perplexity of the configuration keeping <paramref name="kept"/>[l] most important neurons of layer l.</summary>
    public LogLikelihoodResult Evaluate(IReadOnlyList<int> kept, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        using var narrowed = Narrow(kept);
        return LogLikelihood.Evaluate(Model, sequences, batchSize, cancellation: cancellation);
    }

    private IDisposable Narrow(IReadOnlyList<int> kept) =>
        Model.Prefix.Narrow(kept, _biasCompensation ? scores.MeanActivations : null);
}
