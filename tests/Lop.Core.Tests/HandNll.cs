using static TorchSharp.torch;

namespace Lop.Core.Tests;

/// <summary>
/// Mean next-token NLL computed without the engine's evaluator: one sequence at a time (no batching or
/// padding), log-softmax in double, the target of every position 1.. read off by hand. Tests compare the
/// engine's perplexities and search rewards with this, so a figure is checked against a second computation.
/// </summary>
internal static class HandNll
{
    /// <param name="logits">the model's forward pass: token ids [1, T] to logits [1, T, vocab]</param>
    public static double Mean(Func<Tensor, Tensor> logits, IEnumerable<int[]> sequences)
    {
        double total = 0;
        long count = 0;
        using var inference = inference_mode();
        foreach (var sequence in sequences)
        {
            using var scope = NewDisposeScope();
            var ids = tensor(sequence.Select(t => (long)t).ToArray(), [1, sequence.Length]);
            var logProbabilities = logits(ids)[0].to_type(ScalarType.Float64).log_softmax(-1).data<double>().ToArray();
            var vocab = logProbabilities.Length / sequence.Length;
            for (var t = 1; t < sequence.Length; t++)
            {
                total -= logProbabilities[(t - 1) * vocab + sequence[t]];
                count++;
            }
        }
        return total / count;
    }
}
