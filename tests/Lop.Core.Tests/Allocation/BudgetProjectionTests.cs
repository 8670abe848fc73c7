using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Search;
using Lop.Core.Allocation;

namespace Lop.Core.Tests.Allocation;

public class BudgetProjectionTests
{
    private const int Cases = 400;

    [Fact]
    public void A_shift_of_zero_is_found_when_the_ratios_already_meet_the_budget()
    {
        var allocation = BudgetProjection.Project([0.2, 0.6], [10, 10], budget: 0.4);

        Assert.Equal([8, 4], allocation.Kept);
        Assert.Equal(0.2, allocation.Ratios[0], 12);
        Assert.Equal(0.6, allocation.Ratios[1], 12);
    }

    [Fact]
    public void The_remainder_goes_to_the_largest_fractions_then_to_the_lower_layer()
    {
        // Target round(0.5 x 9) = 5 (halves away from zero); each layer wants 1.67, floors give 3.
        Assert.Equal([2, 2, 1], BudgetProjection.Project([0.5, 0.5, 0.5], [3, 3, 3], budget: 0.5).Kept);
        // Layer 2 wants 1.8 and layer 0 1.6: layer 2 is first in line, then layer 0.
        Assert.Equal([2, 1, 2], BudgetProjection.Project([0.4666666, 0.6, 0.4], [3, 3, 3], budget: 0.5).Kept);
    }

    [Fact]
    public void Random_inputs_meet_the_budget_exactly_within_the_bounds_or_fail_with_the_achievable_range()
    {
        var random = new SplitMix64(11);
        var projected = 0;
        for (var i = 0; i < Cases; i++)
        {
            var (ratios, widths, lo, hi) = RandomLayers(random);
            var budget = random.NextDouble() * 0.99;
            var bounds = widths.Select(w => BudgetProjection.KeptBounds(w, lo, hi)).ToArray();
            var target = BudgetProjection.TargetKept(widths, budget);
            if (bounds.Any(b => b.Min > b.Max) || target < bounds.Sum(b => b.Min) || target > bounds.Sum(b => b.Max))
            {
                var error = Assert.Throws<LopException>(() => BudgetProjection.Project(ratios, widths, budget, lo, hi));
                Assert.Equal(ErrorCodes.InvalidRatio, error.Code);
                continue;
            }

            var allocation = BudgetProjection.Project(ratios, widths, budget, lo, hi);

            projected++;
            Assert.Equal(target, allocation.Kept.Sum());
            for (var l = 0; l < widths.Length; l++)
            {
                Assert.InRange(allocation.Kept[l], Math.Max(1, Math.Ceiling((1 - hi) * widths[l] - 1e-9)), Math.Floor((1 - lo) * widths[l] + 1e-9));
                Assert.Equal(1.0 - (double)allocation.Kept[l] / widths[l], allocation.Ratios[l], 12);
            }
        }
        Assert.True(projected > Cases / 2, $"only {projected} of {Cases} random cases were feasible");
    }

    [Fact]
    public void A_configuration_already_on_the_budget_comes_back_unchanged()
    {
        var random = new SplitMix64(12);
        for (var i = 0; i < Cases; i++)
        {
            var (_, widths, lo, hi) = RandomLayers(random);
            var bounds = widths.Select(w => BudgetProjection.KeptBounds(w, lo, hi)).ToArray();
            if (bounds.Any(b => b.Min > b.Max))
            {
                continue;
            }
            var kept = bounds.Select(b => b.Min + random.NextBelow(b.Max - b.Min + 1)).ToArray();
            var budget = 1.0 - (double)kept.Sum() / widths.Sum();
            var ratios = kept.Select((k, l) => 1.0 - (double)k / widths[l]).ToArray();

            Assert.Equal(kept, BudgetProjection.Project(ratios, widths, budget, lo, hi).Kept);
        }
    }

    [Fact]
    public void Raising_one_layers_ratio_never_makes_it_keep_more()
    {
        var random = new SplitMix64(13);
        for (var i = 0; i < Cases; i++)
        {
            // Wide enough that every budget below 0.8 is feasible with the default bounds.
            var (ratios, widths, _, _) = RandomLayers(random, minWidth: 20);
            var budget = 0.1 + random.NextDouble() * 0.7;
            var layer = random.NextBelow(widths.Length);
            var raised = ratios.ToArray();
            raised[layer] += random.NextDouble() * (random.NextBelow(2) == 0 ? 0.5 : 0.01);

            var before = BudgetProjection.Project(ratios, widths, budget);
            var after = BudgetProjection.Project(raised, widths, budget);

            Assert.True(after.Kept[layer] <= before.Kept[layer],
                $"case {i}: layer {layer} kept {before.Kept[layer]} and then {after.Kept[layer]} after its ratio rose");
        }
    }

    [Fact]
    public void Uniform_ratios_at_the_budget_give_near_uniform_counts()
    {
        var random = new SplitMix64(14);
        for (var i = 0; i < Cases; i++)
        {
            var (_, widths, _, _) = RandomLayers(random, minWidth: 20);
            var budget = random.NextDouble() * 0.8;
            var uniform = Enumerable.Repeat(budget, widths.Length).ToArray();

            var kept = BudgetProjection.Project(uniform, widths, budget).Kept;

            for (var l = 0; l < widths.Length; l++)
            {
                Assert.True(Math.Abs(kept[l] - (1 - budget) * widths[l]) < 1.5, $"case {i}: layer {l} of width {widths[l]} keeps {kept[l]} at budget {budget}");
            }
            var same = Enumerable.Repeat(widths[0], widths.Length).ToArray();
            var equal = BudgetProjection.Project(uniform, same, budget).Kept;
            Assert.True(equal.Max() - equal.Min() <= 1, $"case {i}: equal layers keep {string.Join(", ", equal)}");
        }
    }

    [Fact]
    public void A_budget_the_bounds_cannot_reach_names_the_achievable_range()
    {
        var error = Assert.Throws<LopException>(() => BudgetProjection.Project([0.5, 0.5], [10, 10], budget: 0.95));

        Assert.Equal(ErrorCodes.InvalidRatio, error.Code);
        Assert.Contains("from 0 to 0.9", error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.InvalidRatio, Assert.Throws<LopException>(() => BudgetProjection.Project([0.1], [10], budget: 0.1, lowerBound: 0.5)).Code);
        Assert.Equal(ErrorCodes.InvalidRatio, Assert.Throws<LopException>(() => BudgetProjection.Project([0.1], [10], budget: 1.0)).Code);
        Assert.Equal(ErrorCodes.InvalidRatio, Assert.Throws<LopException>(() => BudgetProjection.Project([double.NaN], [10], budget: 0.5)).Code);
        Assert.Equal(ErrorCodes.RatioCountMismatch, Assert.Throws<LopException>(() => BudgetProjection.Project([0.5], [10, 10], budget: 0.5)).Code);
    }

    /// <summary>1 to 12 layers of width minWidth to 300 (a third of cases all equal), raw ratios anywhere in [-0.5, 1.5), bounds default or random.</summary>
    private static (double[] Ratios, int[] Widths, double Lo, double Hi) RandomLayers(SplitMix64 random, int minWidth = 1)
    {
        var layers = 1 + random.NextBelow(12);
        var width = minWidth + random.NextBelow(301 - minWidth);
        var equal = random.NextBelow(3) == 0;
        var widths = Enumerable.Range(0, layers).Select(_ => equal ? width : minWidth + random.NextBelow(301 - minWidth)).ToArray();
        var ratios = Enumerable.Range(0, layers).Select(_ => random.NextDouble() * 2 - 0.5).ToArray();
        if (random.NextBelow(2) == 0)
        {
            return (ratios, widths, BudgetProjection.DefaultLowerBound, BudgetProjection.DefaultUpperBound);
        }
        var lo = random.NextDouble() * 0.3;
        var hi = lo + random.NextDouble() * (0.95 - lo);
        return (ratios, widths, lo, hi);
    }
}
