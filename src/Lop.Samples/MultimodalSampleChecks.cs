using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;

namespace Lop.Samples;

/// <summary>
/// What both multimodal samples (LLaVA and Qwen2.5-VL) measure on their trained model: the held-out gap between
/// true-image and wrong-image caption perplexity, and each decoder layer's sensitivity to losing half its FFN.
/// </summary>
internal static class MultimodalSampleChecks
{
    public static (MultimodalGapResult Gap, double[] LayerSensitivity) Measure(IPrunableModel model, CalibrationSet calibration, IJobProgress progress, CancellationToken cancellation)
    {
        var gap = MultimodalGap.Measure(model, calibration.HeldOut, 16, cancellation);
        progress.Info($"sample: held-out caption perplexity {gap.TrueImagePerplexity:F3} with the true image, {gap.WrongImagePerplexity:F3} with a wrong one (gap {gap.Gap:F3}, image accuracy {gap.ImageAccuracy:P1})");

        var scores = ImportanceScorer.Score(model, calibration.Search, 16, cancellation: cancellation);
        ImportanceOrder.Apply(model, scores, ImportanceMethod.Activation);
        var layers = model.Prefix.Layers;
        var sensitivity = LayerSensitivity.Measure(model, calibration.HeldOut, 0.5, 16, l => progress.Report("layer sensitivity 50%", l + 1, layers), cancellation);
        return (gap, sensitivity);
    }
}
