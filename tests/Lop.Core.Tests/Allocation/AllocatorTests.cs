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

    private static ImportanceScores Synthetic(int[] widths)
    {
        var random = new Random(7);
        var byMethod = Enum.GetValues<ImportanceMethod>().ToDictionary(m => m,
            _ => widths.Select(w => Enumerable.Range(0, w).Select(_ => Math.Exp(3 * random.NextDouble())).ToArray()).ToArray());
        return new ImportanceScores(byMethod, 1000);
    }
}
