using Lop.Core.Calibration;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Importance;

/// <summary>
/// LOP's activation score for the vision tower's FFN neurons (LLaVA's CLIP/SigLIP, Qwen2-VL's and
/// Qwen2.5-VL's): the RMS of each neuron's output-projection input (fc2 / down_proj) over every patch of
/// every calibration image. Layers the model never runs (LLaVA's past vision_feature_layer) see nothing
/// and score zero: their neurons do not change the model's output.
/// </summary>
internal static class VisionImportance
{
    /// <returns>per vision layer, one score per neuron in the checkpoint's order</returns>
    public static double[][] Score(IVisionLanguageModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        var images = sequences.Select(s => s.Image).OfType<ImagePixels>().Distinct().ToList();
        if (images.Count == 0)
        {
            throw new Errors.LopException(Errors.ErrorCodes.InvalidArgument,
                "vision FFN pruning needs image+text calibration: the vision tower's neurons are scored on the calibration images.");
        }
        // Scores index neurons as the checkpoint does, whatever order an earlier search left the tower in.
        model.Prefix.UseVisionCheckpointOrder();
        var widths = model.Prefix.VisionWidths;
        using var statistics = new ActivationStatistics(widths);
        using (model.Prefix.ObserveVision(statistics))
        {
            using var inference = inference_mode();
            // Qwen2-VL images keep their own sizes: a batch holds images of one size.
            foreach (var size in images.GroupBy(i => (i.Height, i.Width)))
            {
                var group = size.ToList();
                for (var start = 0; start < group.Count; start += batchSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var batch = group.Skip(start).Take(batchSize).Select(i => new CalibrationSequence([]) { Image = i }).ToList();
                    model.ImageFeatures(SequenceBatch.Create(batch, 0, batch.Count).Images!);
                }
            }
        }
        var tokens = Math.Max(1, statistics.Tokens);
        return Enumerable.Range(0, widths.Count)
            .Select(l => statistics.SumOfSquares(l).Select(s => Math.Sqrt(s / tokens)).ToArray())
            .ToArray();
    }
}
