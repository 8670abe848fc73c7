namespace Lop.Core.Evaluation;

/// <summary>
/// Perplexity of a model that ignores context: token frequencies of the training data (add-one
/// smoothed), scored on the same next-token positions the decoder is scored on. A trained decoder
/// must be far below it, or it has learnt nothing but letter frequencies.
/// </summary>
internal static class UnigramBaseline
{
    public static double Perplexity(ReadOnlySpan<byte> trainingTokens, IReadOnlyList<int[]> sequences, int vocabSize)
    {
        var counts = new double[vocabSize];
        foreach (var token in trainingTokens)
        {
            counts[token]++;
        }
        var total = trainingTokens.Length + (double)vocabSize;
        double nll = 0;
        long predicted = 0;
        foreach (var sequence in sequences)
        {
            for (var t = 1; t < sequence.Length; t++)
            {
                nll -= Math.Log((counts[sequence[t]] + 1) / total);
                predicted++;
            }
        }
        return Math.Exp(nll / predicted);
    }
}
