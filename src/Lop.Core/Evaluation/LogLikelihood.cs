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
/// Runs the decoder over calibration sequences in batches and sums the next-token loss. Every batch
/// lives in its own dispose scope, so memory stays flat however many batches there are.
/// </summary>
internal static class LogLikelihood
{
    public static LogLikelihoodResult Evaluate(
        CausalLm model,
        IReadOnlyList<int[]> sequences,
        int batchSize,
        IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var inference = inference_mode();
            double total = 0;
            long tokens = 0;
            for (var start = 0; start < sequences.Count; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, sequences.Count - start);
                using var scope = NewDisposeScope();
                var batch = TokenBatch.Create(sequences, start, count);
                var (nll, predicted) = BatchNll(model, batch);
                total += nll.to(ScalarType.Float64).item<double>();
                tokens += predicted;
                progress?.Report((start + count, sequences.Count));
            }
            return new LogLikelihoodResult(total, tokens);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Summed NLL (a scalar tensor, float32) of one batch [batch, seq] and the number of predicted tokens.</summary>
    public static (Tensor Nll, long Predicted) BatchNll(CausalLm model, Tensor batch)
    {
        var seq = batch.shape[1];
        var logits = model.forward(batch.narrow(1, 0, seq - 1));
        var targets = batch.narrow(1, 1, seq - 1);
        var nll = nn.functional.cross_entropy(
            logits.to(ScalarType.Float32).reshape(-1, logits.shape[^1]),
            targets.reshape(-1),
            reduction: nn.Reduction.Sum);
        return (nll, targets.numel());
    }
}
