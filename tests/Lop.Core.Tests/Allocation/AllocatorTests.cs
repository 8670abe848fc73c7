using Lop.Core.Allocation;
using Lop.Core.Importance;
using Lop.Core.Pruning;

namespace Lop.Core.Tests.Allocation;

/// <summary>Every allocation method is one allocator, projected the same way, and its whole-neuron counts reach the plan unchanged.</summary>
public sealed class AllocatorTests
{
    private static readonly ImportanceScores Scores = Synthetic([48, 64, 32, 48]);

    public static TheoryData<string> Methods => new() { "uniform", "owl", "flap" };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Each_baseline_keeps_exactly_the_budgets_neurons_and_the_plan_keeps_those_counts(string method)
    {
        ILayerAllocator allocator = method switch
        {
            "uniform" => new UniformAllocator(Scores.Layers),
            "owl" => new OwlAllocator(Scores),
            _ => new FlapAllocator(Scores),
        };
        foreach (var budget in new[] { 0.1, 0.37, 0.5, 0.8 })
        {
            var allocation = allocator.Allocate(Scores.Widths, budget, RatioBounds.Default);
            Assert.Equal(method, allocator.Method);
            Assert.Equal(BudgetProjection.TargetKept(Scores.Widths, budget), allocation.TotalKept);
            var plan = PruningPlan.Create(Scores, allocation);
            Assert.Equal(allocation.Kept, plan.KeptCounts);
            Assert.Equal(allocation.Ratios, plan.Ratios);
        }
    }

    [Fact]
    public void Given_ratios_keep_the_floor_of_each_layers_share_and_at_least_one_neuron()
    {
        var allocation = BudgetAllocation.FromRatios([0.5, 0.99, 0.3], [10, 10, 10]);
        Assert.Equal([5, 1, 7], allocation.Kept);
        Assert.Equal([0.5, 0.99, 0.3], allocation.Ratios);
    }

    [Fact]
    public void Owl_says_when_every_layer_has_the_same_outlier_share_and_then_allocates_uniformly()
    {
        // Constant scores: no neuron is an outlier in any layer, so the shares are all 0.
        var flat = Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => new[] { 48, 64, 32 }.Select(w => Enumerable.Repeat(1.0, w).ToArray()).ToArray());
        var owl = new OwlAllocator(new ImportanceScores(flat, 1000));
        Assert.True(owl.IsUniform);
        Assert.Equal(new UniformAllocator(3).Ratios(0.4), owl.Ratios(0.4));
        // One neuron of layer 0 scores far above its layer's mean: layer 0 has outliers, the others none.
        var spiked = Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => new[] { 48, 64, 32 }.Select((w, l) => Enumerable.Range(0, w).Select(j => l == 0 && j == 0 ? 1000.0 : 1.0).ToArray()).ToArray());
        var separating = new OwlAllocator(new ImportanceScores(spiked, 1000));
        Assert.False(separating.IsUniform);
        Assert.True(separating.Ratios(0.4)[0] < separating.Ratios(0.4)[1]);
    }

    [Fact]
    public void Owl_spreads_ratios_linearly_over_the_budget_plus_or_minus_lambda_by_outlier_share()
    {
        // Wanda scores: layer 0 has 1 outlier in 10 (100 > 5 x mean 10.9), layer 1 none (all equal),
        // layer 2 has 2 in 40 (100 > 5 x mean 5.95): outlier shares 0.1, 0, 0.05.
        double[] Layer(int width, int outliers) => Enumerable.Range(0, width).Select(j => j < outliers ? 100.0 : 1.0).ToArray();
        var wanda = new[] { Layer(10, 1), Layer(10, 0), Layer(40, 2) };
        var owl = new OwlAllocator(new ImportanceScores(Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => wanda), 1000));

        // b + lambda - 2 lambda (D - Dmin) / (Dmax - Dmin), lambda = 0.08: most outliers, least pruned.
        var ratios = owl.Ratios(0.5);
        Assert.Equal(0.42, ratios[0], 12);
        Assert.Equal(0.58, ratios[1], 12);
        Assert.Equal(0.50, ratios[2], 12);
    }

    [Fact]
    public void Flap_removes_the_globally_lowest_scores_after_standardising_each_layer_with_the_sample_deviation()
    {
        // Layer 0: [0, 1], mean 0.5, sample sd 0.707: z = -0.707, +0.707.
        // Layer 1: [0 x4, 1 x4], mean 0.5, sample sd 0.535: z = -0.935 (x4), +0.935 (x4).
        // Removing 1 of the 10 neurons takes one of layer 1's. (With the population deviation, as numpy's default,
        // both layers' lowest would be at z = -1 and the tie would go to layer 0.)
        double[][] flap = [[0, 1], [0, 0, 0, 0, 1, 1, 1, 1]];
        var allocator = new FlapAllocator(new ImportanceScores(Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => flap), 1000));
        Assert.Equal([0.0, 0.125], allocator.Ratios(0.1));

        // Removing 6: layer 1's four at -0.935, then layer 0's -0.707 and +0.707 (below layer 1's +0.935).
        Assert.Equal([1.0, 0.5], allocator.Ratios(0.6));
    }

    [Fact]
    public void Flap_ratios_differ_between_layers_whose_score_distributions_differ()
    {
        // Layer 0: [1, 2, 3, 10] -> z = -0.735, -0.490, -0.245, 1.470; layer 1: [2, 4, 6, 8] -> z = -1.162, -0.387, 0.387, 1.162.
        // The 3 lowest of the 8: layer 1's -1.162, layer 0's -0.735 and -0.490.
        double[][] flap = [[1, 2, 3, 10], [2, 4, 6, 8]];
        var allocator = new FlapAllocator(new ImportanceScores(Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => flap), 1000));
        Assert.Equal([0.5, 0.25], allocator.Ratios(0.375));
    }

    private static ImportanceScores Synthetic(int[] widths)
    {
        var random = new Random(7);
        var byMethod = Enum.GetValues<ImportanceMethod>().ToDictionary(m => m,
            _ => widths.Select(w => Enumerable.Range(0, w).Select(_ => Math.Exp(3 * random.NextDouble())).ToArray()).ToArray());
        return new ImportanceScores(byMethod, 1000);
    }
}
