namespace Lop.Core.Allocation;

/// <summary>
/// Whole kept-neuron counts per layer and the ratios they amount to. The counts are what pruning
/// uses; the ratios are for people and for the predictor (which learns ratios, not counts).
/// </summary>
internal sealed record BudgetAllocation(int[] Kept, double[] Ratios)
{
    public int TotalKept => Kept.Sum();

    /// <summary>
    /// Ratios given per layer (<c>prune --ratio/--ratios</c>), not projected onto a budget: each layer keeps
    /// floor((1 - ratio) x width) neurons, at least one.
    /// </summary>
    public static BudgetAllocation FromRatios(IReadOnlyList<double> ratios, IReadOnlyList<int> widths) =>
        new(ratios.Select((r, l) => KeptCount(widths[l], r)).ToArray(), ratios.ToArray());

    public static int KeptCount(int width, double ratio) =>
        Math.Max(1, (int)Math.Floor((1.0 - ratio) * width + 1e-9));
}
