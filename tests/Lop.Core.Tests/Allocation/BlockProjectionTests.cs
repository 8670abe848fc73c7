using Lop.Core.Gguf;
using Lop.Core.Search;
using Lop.Core.Targets;
using Lop.Core.Allocation;

namespace Lop.Core.Tests.Allocation;

/// <summary>Widths in whole quantization blocks, and sizes counted in the target's own GGUF type.</summary>
public sealed class BlockProjectionTests
{
    private static readonly int[] Widths = [1024, 1024, 2048, 1024];

    [Fact]
    public void Every_kept_width_is_a_whole_number_of_blocks_and_the_budget_is_met_within_half_a_block()
    {
        double[] ratios = [0.1, 0.7, 0.4, 0.55];
        var allocation = BudgetProjection.ProjectInBlocks(ratios, Widths, 0.5, 256);
        Assert.All(allocation.Kept, k => Assert.Equal(0, k % 256));
        var total = Widths.Sum();
        Assert.InRange(Math.Abs(allocation.Kept.Sum() - 0.5 * total), 0, 128);
        // The shape of the input survives: the layer asked to keep most keeps most.
        Assert.Equal(0, Array.IndexOf(allocation.Kept.Select((k, l) => (double)k / Widths[l]).ToArray(), allocation.Kept.Select((k, l) => (double)k / Widths[l]).Max()));
    }

    [Fact]
    public void A_granularity_of_one_is_the_plain_projection()
    {
        double[] ratios = [0.1, 0.7, 0.4, 0.55];
        Assert.Equal(BudgetProjection.Project(ratios, Widths, 0.37).Kept, BudgetProjection.ProjectInBlocks(ratios, Widths, 0.37, 1).Kept);
    }

    [Theory]
    [InlineData(new[] { 8192, 8192 }, 256, 256)]
    [InlineData(new[] { 512, 512 }, 256, 128)] // two 256-blocks are too few to allocate: 128 leaves four
    [InlineData(new[] { 96, 32 }, 32, 8)]
    [InlineData(new[] { 48, 40 }, 1, 1)]
    public void The_effective_granularity_divides_every_width_and_leaves_each_layer_four_blocks(int[] widths, int requested, int expected) =>
        Assert.Equal(expected, BudgetProjection.EffectiveGranularity(widths, requested));

    [Fact]
    public void Under_the_same_memory_limit_a_q4_k_m_target_keeps_more_neurons_than_q8_0_and_q8_0_more_than_f16()
    {
        var sizing = ModelSizing.From(TinyModels.Config(layers: 4, hidden: 256, intermediate: 1024, heads: 8, kvHeads: 2, vocab: 256));
        var limit = new MaxMemoryConstraint(3_000_000, ContextLength: 256);
        var kept = new[] { GgufExportType.F16, GgufExportType.Q8_0, GgufExportType.Q4_K_M }
            .Select(t => TargetSolver.Solve(limit, sizing.ForGguf(t), t.Granularity)).ToList();
        Assert.All(kept, s => Assert.True(s.Feasible, s.Explanation));
        Assert.True(kept[0].KeptNeurons < kept[1].KeptNeurons && kept[1].KeptNeurons < kept[2].KeptNeurons,
            string.Join(", ", kept.Select(s => s.KeptNeurons)));
        Assert.All(kept, s => Assert.True(s.MemoryBytes <= limit.Bytes));
        Assert.Equal(0, kept[2].KeptNeurons % 256);
    }
}
