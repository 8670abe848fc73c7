using Lop.Core.Calibration;
using Lop.Core.Models;

namespace Lop.Core.Evaluation;

/// <summary>Caption perplexity with the true image and with a wrong one; a model that reads its images shows a large gap.</summary>
internal readonly record struct MultimodalGapResult(double TrueImagePerplexity, double WrongImagePerplexity)
{
    public double Gap => WrongImagePerplexity - TrueImagePerplexity;
}

internal static class MultimodalGap
{
    public static MultimodalGapResult Measure(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        var truth = LogLikelihood.Evaluate(model, sequences, batchSize, cancellation: cancellation).Perplexity;
        var wrong = LogLikelihood.Evaluate(model, ImageSwap.WithWrongImages(sequences), batchSize, cancellation: cancellation).Perplexity;
        return new MultimodalGapResult(truth, wrong);
    }
}
