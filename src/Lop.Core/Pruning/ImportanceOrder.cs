using Lop.Core.Calibration;
using Lop.Core.Importance;
using Lop.Core.Models;

namespace Lop.Core.Pruning;

/// <summary>
/// Reorders every layer's FFN neurons from most to least important, once. Afterwards any pruning of
/// the model is a prefix of each layer, evaluated with <see cref="CausalLm.SetActiveWidths"/> as a
/// narrow() view: no weights are copied per candidate (what makes search and evaluation cheap).
/// </summary>
internal static class ImportanceOrder
{
    public static void Apply(IPrunableModel model, ImportanceScores scores, ImportanceMethod method)
    {
        for (var l = 0; l < model.Layers.Count; l++)
        {
            var ranking = scores.Ranking(method, l);
            model.Layers[l].Mlp.PermuteNeurons(ranking.Select(i => (long)i).ToArray());
        }
    }

    /// <summary>Prefix widths for per-layer ratios, with the same rounding as a written variant.</summary>
    public static long[] Widths(IPrunableModel model, IReadOnlyList<double> ratios)
    {
        PruningPlan.Validate(ratios, model.Layers.Count);
        return model.Layers.Select((layer, l) => (long)Allocation.BudgetAllocation.KeptCount((int)layer.Mlp.Width, ratios[l])).ToArray();
    }
}
