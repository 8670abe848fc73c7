namespace Lop.Core.Allocation;

/// <summary>
/// A way to spread a global budget over the layers: uniform, OWL, FLAP, the best configuration MCTS
/// found, or a LOP predictor. Every allocator only proposes raw per-layer ratios; <see cref="Allocate"/>
/// projects them onto the exact neuron budget, so all methods are compared (and pruned) at the same count.
/// </summary>
internal interface ILayerAllocator
{
    /// <summary>
    /// The name in reports and of <c>eval</c>'s row for these ratios ("uniform", "owl", "mcts", "lop", ...); FLAP's
    /// ratios make two rows, "flap" (with FLAP's neurons and bias) and "flap-ratios", named by eval itself.
    /// </summary>
    string Method { get; }

    /// <summary>Raw ratios, one per layer, before projection.</summary>
    double[] Ratios(double budget);

    /// <summary>Seconds spent deciding ahead of time (an MCTS search), or null when deciding is the <see cref="Ratios"/> call itself.</summary>
    double? SecondsSpentBefore(double budget) => null;
}

internal static class LayerAllocation
{
    /// <summary>The allocator's ratios for <paramref name="budget"/>, projected onto it in whole neurons (or whole blocks of <paramref name="granularity"/>).</summary>
    public static BudgetAllocation Allocate(this ILayerAllocator allocator, IReadOnlyList<int> widths, double budget, RatioBounds bounds, int granularity = 1) =>
        BudgetProjection.ProjectInBlocks(allocator.Ratios(budget), widths, budget, granularity, bounds.Lower, bounds.Upper);
}

/// <summary>The least and most of any one layer that may be pruned.</summary>
internal readonly record struct RatioBounds(double Lower, double Upper)
{
    public static RatioBounds Default => new(BudgetProjection.DefaultLowerBound, BudgetProjection.DefaultUpperBound);
}
