using Lop.Core.Calibration;
using Lop.Core.Models;

namespace Lop.Core.Evaluation;

/// <summary>
/// Caption perplexity with the true image and with a wrong one. A model that reads its images shows a
/// large <see cref="Gap"/>; <see cref="ImageAccuracy"/> (the share of records whose text is likelier
/// with its own image than with the wrong one) says the same without being inflated by a model that
/// merely grows more confident in the wrong words.
/// </summary>
internal readonly record struct MultimodalGapResult(double TrueImagePerplexity, double WrongImagePerplexity, double ImageAccuracy)
{
    public double Gap => WrongImagePerplexity - TrueImagePerplexity;
}

internal static class MultimodalGap
{
    public static MultimodalGapResult Measure(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        var truth = LogLikelihood.PerSequence(model, sequences, batchSize, cancellation: cancellation);
        var wrong = LogLikelihood.PerSequence(model, ImageSwap.WithWrongImages(sequences), batchSize, cancellation: cancellation);
        var targets = sequences.Sum(s => (double)s.TargetCount);
        var better = truth.Zip(wrong).Count(p => p.First < p.Second);
        return new MultimodalGapResult(Math.Exp(truth.Sum() / targets), Math.Exp(wrong.Sum() / targets), (double)better / sequences.Count);
    }
}
