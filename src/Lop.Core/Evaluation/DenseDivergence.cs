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
    private readonly List<Tensor> _denseLogProbs;
    private readonly long _targets;

    private DenseDivergence(IReadOnlyList<CalibrationSequence> sequences, int batchSize, int tokenStride, List<Tensor> denseLogProbs)
    {
        _sequences = sequences;
        _batchSize = batchSize;
        _tokenStride = tokenStride;
        _denseLogProbs = denseLogProbs;
        _targets = sequences.Sum(s => (long)ScoredTargets.Count(s, tokenStride));
    }

    /// <summary>The sequences the divergence is measured on.</summary>
    public IReadOnlyList<CalibrationSequence> Sequences => _sequences;

    /// <summary>Scored targets the divergence averages over.</summary>
    public long Targets => _targets;

    /// <summary>The dense model's log-probabilities on <paramref name="sequences"/>; call with the model at full width.</summary>
    public static DenseDivergence Capture(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, int tokenStride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenStride, 1);
        var dense = new List<Tensor>();
        foreach (var (group, start, count) in Batches(sequences, batchSize))
        {
            using var scope = NewDisposeScope();
            var batch = SequenceBatch.Create(group, start, count);
            dense.Add(LogProbabilities(model, batch, tokenStride).MoveToOuterDisposeScope());
        }
        return new DenseDivergence(sequences, batchSize, tokenStride, dense);
    }

    /// <summary>Mean KL(dense || model) per scored target, in nats: 0 for the dense model itself.</summary>
    public double Mean(IPrunableModel model, CancellationToken cancellation = default)
    {
        var total = 0.0;
        var index = 0;
        foreach (var (group, start, count) in Batches(_sequences, _batchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var batch = SequenceBatch.Create(group, start, count);
            var dense = _denseLogProbs[index++];
            var pruned = LogProbabilities(model, batch, _tokenStride);
            // sum over the vocabulary of p_dense x (log p_dense - log p_pruned), then over the scored targets.
            var perTarget = (dense.exp() * (dense - pruned)).sum(dim: -1);
            var mask = ScoredMask(batch);
            total += (mask is null ? perTarget : perTarget * mask).sum().to(ScalarType.Float64).item<double>();
        }
        return _targets == 0 ? double.NaN : total / _targets;
    }

    public void Dispose()
    {
        foreach (var tensor in _denseLogProbs)
        {
            tensor.Dispose();
        }
        _denseLogProbs.Clear();
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
            var positions = Positions(targets.shape[1], tokenStride);
            return model.Logits(inputs, positions).to(ScalarType.Float32).log_softmax(-1);
        }
        finally
        {
            model.SetTraining(wasTraining);
        }
    }

    private Tensor? ScoredMask(SequenceBatch batch)
    {
        var mask = batch.TargetMask;
        var positions = Positions(batch.Tokens.shape[1] - 1, _tokenStride);
        return mask is null || positions is null ? mask : mask.index_select(1, positions);
    }

    private static Tensor? Positions(long targets, int tokenStride) => tokenStride == 1
        ? null
        : tensor(ScoredTargets.Indices((int)targets, tokenStride).Select(i => (long)i).ToArray());

    /// <summary>The sequences in batches of equal length and image size, always in the same order (packed by the caller, inside its dispose scope).</summary>
    private static IEnumerable<(List<CalibrationSequence> Group, int Start, int Count)> Batches(IReadOnlyList<CalibrationSequence> sequences, int batchSize)
    {
        foreach (var group in sequences.GroupBy(s => (s.Length, s.Image?.Height, s.Image?.Width)).Select(g => g.ToList()))
        {
            for (var start = 0; start < group.Count; start += batchSize)
            {
                yield return (group, start, Math.Min(batchSize, group.Count - start));
            }
        }
    }
}
