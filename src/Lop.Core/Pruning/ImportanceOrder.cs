using Lop.Core.Allocation;
using Lop.Core.Importance;
using Lop.Core.Models;

namespace Lop.Core.Pruning;

/// <summary>
/// Sorts every layer's FFN neurons from most to least important by one method. Afterwards any pruning
/// of the model is a prefix of each layer, evaluated with <see cref="PrefixView.Narrow"/> as a narrow()
/// view: no weights are copied per candidate (what makes search and evaluation cheap).
/// </summary>
internal static class ImportanceOrder
{
    /// <summary>Puts the model's neurons in <paramref name="method"/>'s ranking; false when they already are.</summary>
    public static bool Apply(IPrunableModel model, ImportanceScores scores, ImportanceMethod method) =>
        model.Prefix.UseOrder(Enumerable.Range(0, model.Prefix.Layers).Select(l => scores.Ranking(method, l)).ToArray());

    /// <summary>Prefix widths for per-layer ratios, with the same rounding as a written variant.</summary>
    public static int[] Widths(IPrunableModel model, IReadOnlyList<double> ratios)
    {
        PruningPlan.Validate(ratios, model.Prefix.Layers);
        return model.Prefix.Widths.Select((width, l) => BudgetAllocation.KeptCount((int)width, ratios[l])).ToArray();
    }
}
