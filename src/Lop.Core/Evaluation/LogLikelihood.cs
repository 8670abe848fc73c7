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
        CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var wasTraining = model.training;
        model.SetTraining(false);
        try
        {
            using var inference = inference_mode();
            double total = 0;
            long tokens = 0;
            var done = 0;
            foreach (var group in ByLength(sequences))
            {
                for (var start = 0; start < group.Count; start += batchSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var count = Math.Min(batchSize, group.Count - start);
                    using var scope = NewDisposeScope();
                    var (nll, predicted) = BatchNll(model, SequenceBatch.Create(group, start, count));
                    total += nll.to(ScalarType.Float64).item<double>();
                    tokens += predicted;
                    done += count;
                    progress?.Report((done, sequences.Count));
                }
            }
            return new LogLikelihoodResult(total, tokens);
        }
        finally
        {
            model.SetTraining(wasTraining);
        }
    }

    /// <summary>Summed NLL (a scalar tensor, float32) over the batch's targets, and how many targets there were.</summary>
    public static (Tensor Nll, long Predicted) BatchNll(IPrunableModel model, SequenceBatch batch)
    {
        var (inputs, targets) = batch.ShiftForNextToken();
        var logits = model.Logits(inputs);
        var perToken = nn.functional.cross_entropy(
            logits.to(ScalarType.Float32).reshape(-1, logits.shape[^1]),
            targets.reshape(-1),
            reduction: nn.Reduction.None);
        if (batch.TargetMask is null)
        {
            return (perToken.sum(), targets.numel());
        }
        var mask = batch.TargetMask.reshape(-1);
        return (perToken.masked_select(mask).sum(), mask.sum().item<long>());
    }

    /// <summary>Sequences grouped by length, groups in order of first appearance, order kept within each.</summary>
    private static IEnumerable<IReadOnlyList<CalibrationSequence>> ByLength(IReadOnlyList<CalibrationSequence> sequences)
    {
        if (sequences.Count == 0 || sequences.All(s => s.Length == sequences[0].Length))
        {
            return sequences.Count == 0 ? [] : [sequences];
        }
        return sequences.GroupBy(s => s.Length).Select(g => (IReadOnlyList<CalibrationSequence>)g.ToList());
    }
}
