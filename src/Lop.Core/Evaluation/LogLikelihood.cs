using Lop.Core.Calibration;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Evaluation;

/// <summary>Summed next-token negative log-likelihood over a set of token sequences.</summary>
internal readonly record struct LogLikelihoodResult(double TotalNll, long PredictedTokens)
{
    public double MeanNll => PredictedTokens == 0 ? double.NaN : TotalNll / PredictedTokens;

    public double Perplexity => Math.Exp(MeanNll);
}

/// <summary>
/// Runs the model over calibration sequences in batches and sums the next-token loss over each
/// sequence's targets. Sequences are batched with others of their length (text windows all have one
/// length; image+text records differ by their caption), so nothing is padded. Every batch lives in
/// its own dispose scope, so memory stays flat however many batches there are.
/// </summary>
internal static class LogLikelihood
{
    public static LogLikelihoodResult Evaluate(
        IPrunableModel model,
        IReadOnlyList<CalibrationSequence> sequences,
        int batchSize,
        IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellation = default,
        int tokenStride = 1)
    {
        var perSequence = PerSequence(model, sequences, batchSize, progress, cancellation, tokenStride: tokenStride);
        return new LogLikelihoodResult(perSequence.Sum(), sequences.Sum(s => (long)ScoredTargets.Count(s, tokenStride)));
    }

    /// <summary>
    /// Summed next-token NLL of each sequence over its targets, in the order given. A non-finite one is a
    /// <see cref="Errors.ErrorCodes.NonFiniteValues"/> error naming the layer, unless <paramref name="checkFinite"/>
    /// is false: a caller that holds the FFN observer checks with <see cref="NonFiniteValues.CheckLosses"/> once it is released.
    /// With <paramref name="tokenStride"/> above 1, only the targets <see cref="ScoredTargets"/> selects are summed, and the
    /// output layer runs at their positions only.
    /// </summary>
    public static double[] PerSequence(
        IPrunableModel model,
        IReadOnlyList<CalibrationSequence> sequences,
        int batchSize,
        IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellation = default,
        bool checkFinite = true,
        int tokenStride = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenStride, 1);
        var wasTraining = model.training;
        model.SetTraining(false);
        try
        {
            using var inference = inference_mode();
            var result = new double[sequences.Count];
            var done = 0;
            foreach (var (group, indices) in ByLength(sequences))
            {
                for (var start = 0; start < group.Count; start += batchSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var count = Math.Min(batchSize, group.Count - start);
                    using var scope = NewDisposeScope();
                    var rows = TokenNll(model, SequenceBatch.Create(group, start, count), tokenStride)
                        .sum(dim: 1).to(ScalarType.Float64).data<double>().ToArray();
                    for (var i = 0; i < count; i++)
                    {
                        result[indices[start + i]] = rows[i];
                    }
                    done += count;
                    progress?.Report((done, sequences.Count));
                }
            }
            if (checkFinite)
            {
                NonFiniteValues.CheckLosses(model, sequences, result);
            }
            return result;
        }
        finally
        {
            model.SetTraining(wasTraining);
        }
    }

    /// <summary>
    /// Per sequence, the NLL of each next-token target t at index t - 1; NaN where the loss mask
    /// excludes t. For comparing with another implementation target by target.
    /// </summary>
    public static double[][] PerToken(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, CancellationToken cancellation = default)
    {
        var wasTraining = model.training;
        model.SetTraining(false);
        try
        {
            using var inference = inference_mode();
            var result = new double[sequences.Count][];
            for (var i = 0; i < sequences.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var row = TokenNll(model, SequenceBatch.Create(sequences, i, 1)).to(ScalarType.Float64).data<double>().ToArray();
                var mask = sequences[i].LossMask;
                result[i] = row.Select((nll, t) => mask is null || mask[t + 1] ? nll : double.NaN).ToArray();
            }
            return result;
        }
        finally
        {
            model.SetTraining(wasTraining);
        }
    }

    /// <summary>Summed NLL (a scalar tensor, float32) over the batch's targets, and how many targets there were.</summary>
    public static (Tensor Nll, long Predicted) BatchNll(IPrunableModel model, SequenceBatch batch)
    {
        var perToken = TokenNll(model, batch);
        return (perToken.sum(), batch.TargetMask?.sum().item<long>() ?? perToken.numel());
    }

    /// <summary>
    /// NLL of every next-token target [batch, seq - 1], float32; positions outside the loss mask are 0. With a
    /// stride above 1, of the selected targets only [batch, selected], the logits computed at their positions alone.
    /// </summary>
    private static Tensor TokenNll(IPrunableModel model, SequenceBatch batch, int tokenStride = 1)
    {
        var (inputs, targets) = batch.ShiftForNextToken();
        var mask = batch.TargetMask;
        var positions = ScoredTargets.Positions((int)targets.shape[1], tokenStride, targets.device);
        if (positions is not null)
        {
            targets = targets.index_select(1, positions);
            mask = mask?.index_select(1, positions);
        }
        var logits = model.Logits(inputs, positions);
        var perToken = nn.functional.cross_entropy(
            logits.to(ScalarType.Float32).reshape(-1, logits.shape[^1]),
            targets.reshape(-1),
            reduction: nn.Reduction.None).reshape(targets.shape);
        return mask is null ? perToken : perToken * mask;
    }

    /// <summary>
    /// Sequences grouped by length and image size (with their positions in the input), groups in order of first
    /// appearance, order kept within each. Qwen2-VL's images keep their own sizes, so equal lengths do not imply equal images.
    /// </summary>
    internal static IEnumerable<(List<CalibrationSequence> Group, List<int> Indices)> ByLength(IReadOnlyList<CalibrationSequence> sequences) =>
        sequences.Select((s, i) => (s, i)).GroupBy(p => (p.s.Length, p.s.Image?.Height, p.s.Image?.Width))
            .Select(g => (g.Select(p => p.s).ToList(), g.Select(p => p.i).ToList()));
}
