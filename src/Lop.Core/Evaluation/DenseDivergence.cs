using Lop.Core.Calibration;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Evaluation;

/// <summary>
/// KL(dense || pruned): how far a narrowed model's next-token distributions are from the full-width model's on a
/// fixed set of sequences, averaged over their scored targets (those of the loss mask, at the token stride).
/// <para>
/// Why, next to the NLL: on a few sequences the NLL of a candidate carries the noise of which token happened to
/// follow each context, and candidates differ from each other by a few hundredths of a nat. The divergence
/// compares whole distributions with the dense model's at every scored position, so a small sample ranks
/// candidates closer to how the NLL on all sequences ranks them (EvoPress scores its candidates this way). It
/// needs the dense model's log-probabilities, taken once by <see cref="Capture"/> and held in memory:
/// targets x vocabulary floats (4 sequences of 128 tokens at stride 4 with a 152k vocabulary: 78 MB).
/// </para>
/// </summary>
internal sealed class DenseDivergence : IDisposable
{
    private readonly IReadOnlyList<CalibrationSequence> _sequences;
    private readonly int _batchSize;
    private readonly int _tokenStride;
    private readonly List<Reference> _references;

    /// <summary>
    /// One batch's dense log-probabilities at its scored positions [batch, targets, vocabulary] and its mask of scored
    /// targets (null: all), kept from <see cref="Capture"/> so a candidate's score needs only its own forward pass.
    /// </summary>
    private sealed record Reference(Tensor LogProbabilities, Tensor? Mask);

    private DenseDivergence(IReadOnlyList<CalibrationSequence> sequences, int batchSize, int tokenStride, List<Reference> references)
    {
        _sequences = sequences;
        _batchSize = batchSize;
        _tokenStride = tokenStride;
        _references = references;
        Targets = sequences.Sum(s => (long)ScoredTargets.Count(s, tokenStride));
    }

    /// <summary>The sequences the divergence is measured on.</summary>
    public IReadOnlyList<CalibrationSequence> Sequences => _sequences;

    /// <summary>Scored targets the divergence averages over.</summary>
    public long Targets { get; }

    /// <summary>The dense model's log-probabilities on <paramref name="sequences"/>; call with the model at full width.</summary>
    public static DenseDivergence Capture(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, int tokenStride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenStride, 1);
        var references = new List<Reference>();
        foreach (var batch in Batches(sequences, batchSize))
        {
            using var scope = NewDisposeScope();
            var packed = SequenceBatch.Create(batch.Group, batch.Start, batch.Count);
            var logProbabilities = LogProbabilities(model, packed, tokenStride);
            var mask = ScoredMask(packed, tokenStride);
            references.Add(new Reference(logProbabilities.MoveToOuterDisposeScope(), mask?.MoveToOuterDisposeScope()));
        }
        return new DenseDivergence(sequences, batchSize, tokenStride, references);
    }

    /// <summary>Mean KL(dense || model) per scored target, in nats: 0 for the dense model itself.</summary>
    public double Mean(IPrunableModel model, CancellationToken cancellation = default)
    {
        var total = 0.0;
        var index = 0;
        foreach (var batch in Batches(_sequences, _batchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var dense = _references[index++];
            var pruned = LogProbabilities(model, SequenceBatch.Create(batch.Group, batch.Start, batch.Count), _tokenStride);
            // sum over the vocabulary of p_dense x (log p_dense - log p_pruned), per scored target: the difference is taken
            // before summing, since the two halves apart are large float32 sums whose difference would lose the small KLs.
            var perTarget = (dense.LogProbabilities.exp() * (dense.LogProbabilities - pruned)).sum(dim: -1);
            total += (dense.Mask is null ? perTarget : perTarget * dense.Mask).sum().to(ScalarType.Float64).item<double>();
        }
        return Targets == 0 ? double.NaN : total / Targets;
    }

    public void Dispose()
    {
        foreach (var reference in _references)
        {
            reference.LogProbabilities.Dispose();
            reference.Mask?.Dispose();
        }
        _references.Clear();
    }

    /// <summary>Log-softmax of the logits at the scored targets' positions [batch, targets, vocabulary], float32.</summary>
    private static Tensor LogProbabilities(IPrunableModel model, SequenceBatch batch, int tokenStride)
    {
        var wasTraining = model.training;
        model.SetTraining(false);
        try
        {
            using var inference = inference_mode();
            var (inputs, targets) = batch.ShiftForNextToken();
            var positions = ScoredTargets.Positions((int)targets.shape[1], tokenStride, targets.device);
            return model.Logits(inputs, positions).to(ScalarType.Float32).log_softmax(-1);
        }
        finally
        {
            model.SetTraining(wasTraining);
        }
    }

    /// <summary>The loss mask at the scored targets [batch, targets], or null when every target counts.</summary>
    private static Tensor? ScoredMask(SequenceBatch batch, int tokenStride)
    {
        var mask = batch.TargetMask;
        var positions = ScoredTargets.Positions((int)batch.Tokens.shape[1] - 1, tokenStride, batch.Tokens.device);
        return mask is null || positions is null ? mask : mask.index_select(1, positions);
    }

    /// <summary>
    /// The sequences in batches of equal length and image size, grouped as <see cref="LogLikelihood"/> groups them and
    /// always in the same order; each is packed by the caller, inside its dispose scope.
    /// </summary>
    private static IEnumerable<(List<CalibrationSequence> Group, int Start, int Count)> Batches(IReadOnlyList<CalibrationSequence> sequences, int batchSize)
    {
        foreach (var (group, _) in LogLikelihood.ByLength(sequences))
        {
            for (var start = 0; start < group.Count; start += batchSize)
            {
                yield return (group, start, Math.Min(batchSize, group.Count - start));
            }
        }
    }
}
