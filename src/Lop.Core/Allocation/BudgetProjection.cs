using System.Globalization;
using Lop.Core.Errors;

namespace Lop.Core.Allocation;

/// <summary>
/// Moves raw per-layer ratios onto a global budget: one shift s added to every ratio, found by bisection,
/// so that the clipped ratios remove the budget's share of all FFN neurons; then whole neurons, with the
/// remainder going to the largest fractional parts (ties to the lower layer index). A shared shift keeps
/// the shape of the input (which layers are pruned more than which) while the budget is met exactly;
/// weighting by width makes a ratio of a wide layer count for more neurons than the same ratio of a
/// narrow one. Without it an MCTS perturbation or a predicted configuration would drift off the budget,
/// and configurations of different budgets would not be comparable.
/// </summary>
internal static class BudgetProjection
{
    public const double DefaultLowerBound = 0.0;

    /// <summary>Keep at least a tenth of every layer: a layer pruned further hardly works at all.</summary>
    public const double DefaultUpperBound = 0.9;

    // 1 - (1 - k/d) times d is not always k in floating point, and bisection stops within a few ulps
    // of the shift: a continuous count this close to a whole number is that number.
    private const double Snap = 1e-6;

    private const int MaxBisections = 200;

    /// <summary>Neurons kept in all at <paramref name="budget"/>: round((1 - b) x total width), halves away from zero.</summary>
    public static int TargetKept(IReadOnlyList<int> widths, double budget)
    {
        ValidateBudget(budget);
        return (int)Math.Round((1.0 - budget) * TotalWidth(widths), MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// The fewest and most neurons layer l may keep: ceil((1 - hi) x d) and floor((1 - lo) x d), at least one.
    /// </summary>
    public static (int Min, int Max) KeptBounds(int width, double lowerBound = DefaultLowerBound, double upperBound = DefaultUpperBound)
    {
        var min = Math.Max(1, (int)Math.Ceiling((1.0 - upperBound) * width - Snap));
        var max = (int)Math.Floor((1.0 - lowerBound) * width + Snap);
        return (min, max);
    }

    /// <summary>
    /// Throws <c>LOP4001</c> unless <paramref name="budget"/> can be met with every layer's ratio within the
    /// bounds: searches and evals check every budget before the first hour of work, not when they reach it.
    /// </summary>
    public static void EnsureFeasible(IReadOnlyList<int> widths, double budget, double lowerBound = DefaultLowerBound, double upperBound = DefaultUpperBound)
    {
        ValidateBudget(budget);
        _ = Feasible(widths, budget, lowerBound, upperBound);
    }

    /// <summary>Each layer's fewest and most kept neurons, and the budget's kept total, which must lie between their sums.</summary>
    private static (int[] Min, int[] Max, int Target) Feasible(IReadOnlyList<int> widths, double budget, double lowerBound, double upperBound)
    {
        var layers = widths.Count;
        var min = new int[layers];
        var max = new int[layers];
        for (var l = 0; l < layers; l++)
        {
            (min[l], max[l]) = KeptBounds(widths[l], lowerBound, upperBound);
            if (min[l] > max[l])
            {
                throw new LopException(ErrorCodes.InvalidRatio, string.Create(CultureInfo.InvariantCulture,
                    $"layer {l} has {widths[l]} FFN neurons: no whole number of them lies between the ratio bounds {lowerBound} and {upperBound}; widen the bounds."));
            }
        }
        var target = TargetKept(widths, budget);
        var fewest = min.Sum();
        var most = max.Sum();
        if (target < fewest || target > most)
        {
            var total = (double)TotalWidth(widths);
            throw new LopException(ErrorCodes.InvalidRatio, string.Create(CultureInfo.InvariantCulture,
                $"a budget of {budget} keeps {target} of {total} FFN neurons, but with every layer's ratio within [{lowerBound}, {upperBound}] only {fewest} to {most} can be kept: choose a budget from {1.0 - most / total:0.####} to {1.0 - fewest / total:0.####}, or widen the bounds."));
        }
        return (min, max, target);
    }

    public static BudgetAllocation Project(
        IReadOnlyList<double> ratios,
        IReadOnlyList<int> widths,
        double budget,
        double lowerBound = DefaultLowerBound,
        double upperBound = DefaultUpperBound)
    {
        Validate(ratios, widths, budget, lowerBound, upperBound);
        var layers = widths.Count;
        var (min, max, target) = Feasible(widths, budget, lowerBound, upperBound);

        var shift = Shift(ratios, widths, min, max, target);
        var kept = Round(Continuous(ratios, widths, min, max, shift), min, max, target);
        var projected = new double[layers];
        for (var l = 0; l < layers; l++)
        {
            projected[l] = 1.0 - (double)kept[l] / widths[l];
        }
        return new BudgetAllocation(kept, projected);
    }

    /// <summary>
    /// As <see cref="Project"/>, in whole blocks of <paramref name="granularity"/> neurons per layer (a
    /// quantization block along ffn_down's input), so every kept width is a multiple of the block and
    /// llama.cpp quantizes every FFN tensor in the type asked for. The budget is met as closely as whole
    /// blocks allow: to within half a block of all FFN neurons. Every width must be a multiple of the
    /// block; <see cref="EffectiveGranularity"/> picks one that is.
    /// </summary>
    public static BudgetAllocation ProjectInBlocks(
        IReadOnlyList<double> ratios,
        IReadOnlyList<int> widths,
        double budget,
        int granularity,
        double lowerBound = DefaultLowerBound,
        double upperBound = DefaultUpperBound)
    {
        if (granularity <= 1)
        {
            return Project(ratios, widths, budget, lowerBound, upperBound);
        }
        if (widths.Any(w => w % granularity != 0))
        {
            throw new ArgumentException($"every width must be a multiple of the granularity {granularity}", nameof(granularity));
        }
        var blocks = Project(ratios, widths.Select(w => w / granularity).ToArray(), budget, lowerBound, upperBound);
        var kept = blocks.Kept.Select(b => b * granularity).ToArray();
        return new BudgetAllocation(kept, kept.Select((k, l) => 1.0 - (double)k / widths[l]).ToArray());
    }

    /// <summary>
    /// The largest block size up to <paramref name="requested"/> that divides every width and leaves each
    /// layer at least a few blocks: <paramref name="requested"/> itself for real models (FFN widths are
    /// multiples of 256), smaller for toy ones.
    /// </summary>
    public static int EffectiveGranularity(IReadOnlyList<int> widths, int requested)
    {
        // Halving keeps g a divisor of the block, so whole g-neuron groups still tile whole blocks where they can.
        for (var g = requested; g > 1; g /= 2)
        {
            if (widths.All(w => w % g == 0 && w / g >= 4))
            {
                return g;
            }
        }
        return 1;
    }

    /// <summary>
    /// Kept counts (not yet whole) at shift s: (1 - (theta + s)) x d, clipped. Clipping to the whole-neuron
    /// bounds rather than to [lo, hi] themselves is the same up to rounding, and it guarantees that the
    /// whole counts found afterwards stay inside the bounds.
    /// </summary>
    private static double[] Continuous(IReadOnlyList<double> ratios, IReadOnlyList<int> widths, int[] min, int[] max, double shift)
    {
        var kept = new double[widths.Count];
        for (var l = 0; l < kept.Length; l++)
        {
            kept[l] = Math.Clamp((1.0 - (ratios[l] + shift)) * widths[l], min[l], max[l]);
        }
        return kept;
    }

    /// <summary>The shift whose continuous total is the target. The total falls as s grows, so bisection converges.</summary>
    private static double Shift(IReadOnlyList<double> ratios, IReadOnlyList<int> widths, int[] min, int[] max, int target)
    {
        // Below low every layer keeps its most, above high its fewest: a bracket for any feasible target.
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        for (var l = 0; l < widths.Count; l++)
        {
            low = Math.Min(low, 1.0 - ratios[l] - (double)max[l] / widths[l]);
            high = Math.Max(high, 1.0 - ratios[l] - (double)min[l] / widths[l]);
        }
        for (var i = 0; i < MaxBisections; i++)
        {
            var middle = low + (high - low) / 2;
            if (middle <= low || middle >= high)
            {
                break;
            }
            if (Continuous(ratios, widths, min, max, middle).Sum() > target)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }
        return low + (high - low) / 2;
    }

    /// <summary>
    /// Whole counts summing to the target: floor every layer, then hand out the missing neurons by largest
    /// fractional part, ties to the lower layer index (deterministic, and no layer moves more than the
    /// rounding needs). Passes repeat only if bisection left the total off by more than the layer count.
    /// </summary>
    private static int[] Round(double[] continuous, int[] min, int[] max, int target)
    {
        var layers = continuous.Length;
        var kept = new int[layers];
        var fraction = new double[layers];
        for (var l = 0; l < layers; l++)
        {
            var value = continuous[l];
            var nearest = Math.Round(value);
            if (Math.Abs(value - nearest) < Snap)
            {
                value = nearest;
            }
            kept[l] = Math.Clamp((int)Math.Floor(value), min[l], max[l]);
            fraction[l] = value - kept[l];
        }
        var byFraction = Enumerable.Range(0, layers)
            .OrderByDescending(l => fraction[l])
            .ThenBy(l => l)
            .ToArray();
        var missing = target - kept.Sum();
        while (missing > 0)
        {
            foreach (var l in byFraction)
            {
                if (missing > 0 && kept[l] < max[l])
                {
                    kept[l]++;
                    missing--;
                }
            }
        }
        while (missing < 0)
        {
            for (var i = layers - 1; i >= 0; i--)
            {
                var l = byFraction[i];
                if (missing < 0 && kept[l] > min[l])
                {
                    kept[l]--;
                    missing++;
                }
            }
        }
        return kept;
    }

    private static long TotalWidth(IReadOnlyList<int> widths)
    {
        long total = 0;
        foreach (var width in widths)
        {
            total += width;
        }
        return total;
    }

    private static void ValidateBudget(double budget)
    {
        if (!(budget >= 0 && budget < 1))
        {
            throw new LopException(ErrorCodes.InvalidRatio, string.Create(CultureInfo.InvariantCulture,
                $"the budget is {budget}; a budget is the fraction of all FFN neurons removed and must be at least 0 and below 1."));
        }
    }

    private static void Validate(IReadOnlyList<double> ratios, IReadOnlyList<int> widths, double budget, double lowerBound, double upperBound)
    {
        ValidateBudget(budget);
        if (widths.Count == 0)
        {
            throw new LopException(ErrorCodes.InvalidArgument, "a budget needs at least one layer to spread over.");
        }
        if (ratios.Count != widths.Count)
        {
            throw new LopException(ErrorCodes.RatioCountMismatch,
                $"{ratios.Count} pruning ratios were given for {widths.Count} layers: give one ratio per layer.");
        }
        if (!(lowerBound >= 0 && lowerBound <= upperBound && upperBound < 1))
        {
            throw new LopException(ErrorCodes.InvalidRatio, string.Create(CultureInfo.InvariantCulture,
                $"the ratio bounds are [{lowerBound}, {upperBound}]; they must satisfy 0 <= lower <= upper < 1."));
        }
        for (var l = 0; l < widths.Count; l++)
        {
            if (widths[l] < 1)
            {
                throw new LopException(ErrorCodes.InvalidArgument, $"layer {l} has {widths[l]} FFN neurons; a layer to prune needs at least one.");
            }
            if (!double.IsFinite(ratios[l]))
            {
                throw new LopException(ErrorCodes.InvalidRatio, $"the raw ratio of layer {l} is {ratios[l]}; it must be a finite number.");
            }
        }
    }
}
