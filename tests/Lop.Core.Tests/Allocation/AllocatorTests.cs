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

    private static ImportanceScores Synthetic(int[] widths)
    {
        var random = new Random(7);
        var byMethod = Enum.GetValues<ImportanceMethod>().ToDictionary(m => m,
            _ => widths.Select(w => Enumerable.Range(0, w).Select(_ => Math.Exp(3 * random.NextDouble())).ToArray()).ToArray());
        return new ImportanceScores(byMethod, 1000);
    }
}
