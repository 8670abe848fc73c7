using Lop.Core.Calibration;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Importance;

/// <summary>
/// LOP's activation score for the vision tower's FFN neurons: the RMS of each neuron's fc2 input over
/// every patch of every calibration image. Layers the model never runs (past vision_feature_layer)
/// see nothing and score zero: their neurons do not change the model's output.
/// </summary>
internal static class VisionImportance
{
    public static double[][] Score(LlavaModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, CancellationToken cancellation = default)
    {
        var images = sequences.Select(s => s.Image).OfType<ImagePixels>().Distinct().ToList();
        if (images.Count == 0)
        {
            throw new Errors.LopException(Errors.ErrorCodes.InvalidArgument,
                "vision FFN pruning needs image+text calibration: the vision tower's neurons are scored on the calibration images.");
        }
        var widths = model.Prefix.VisionWidths;
        using var statistics = new ActivationStatistics(widths);
        using (model.Prefix.ObserveVision(statistics))
        {
            using var inference = inference_mode();
            for (var start = 0; start < images.Count; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = images.Skip(start).Take(batchSize).Select(i => new CalibrationSequence([]) { Image = i }).ToList();
                model.ImageFeatures(Models.SequenceBatch.Create(batch, 0, batch.Count).Images!);
            }
        }
        var tokens = Math.Max(1, statistics.Tokens);
        return Enumerable.Range(0, widths.Count)
            .Select(l => statistics.SumOfSquares(l).Select(s => Math.Sqrt(s / tokens)).ToArray())
            .ToArray();
    }
}
