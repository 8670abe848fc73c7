using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Models;

namespace Lop.Core.Pruning;

/// <summary>
/// Perplexity when only one layer loses part of its FFN. If every layer costs the same, layer-wise
/// allocation cannot beat uniform pruning on this model; spread here is what makes LOP worth it.
/// The model's neurons must already be in importance order (<see cref="ImportanceOrder"/>). It lives
/// with pruning because its widths round as a written variant's do (<see cref="PruningPlan.KeptCount"/>).
/// </summary>
internal static class LayerSensitivity
{
    public static double[] Measure(
        IPrunableModel model,
        IReadOnlyList<CalibrationSequence> sequences,
        double ratio,
        int batchSize,
        Action<int>? layerDone = null,
        CancellationToken cancellation = default)
    {
        var layers = model.Prefix.Layers;
        var result = new double[layers];
        for (var l = 0; l < layers; l++)
        {
            var ratios = new double[layers];
            ratios[l] = ratio;
            using (model.Prefix.Narrow(ImportanceOrder.Widths(model, ratios)))
            {
                result[l] = LogLikelihood.Evaluate(model, sequences, batchSize, cancellation: cancellation).Perplexity;
            }
            layerDone?.Invoke(l);
        }
        return result;
    }
}
