using Lop.Core.Search;
using static Lop.Core.Tests.Shards.ShardFragments;

namespace Lop.Core.Tests.Shards;

public sealed class BudgetUnionTests
{
    private static readonly TreeResult A = Tree(1, 1.25, Records(0.3, [5, 5, 5], [6, 4, 5], [4, 6, 5]));
    private static readonly TreeResult B = Tree(2, 2.5, Records(0.3, [5, 5, 5], [6, 5, 4], [4, 6, 5], [7, 4, 4]));
    private static readonly TreeResult C = Tree(3, 0.75, Records(0.3, [5, 5, 5], [5, 6, 4]));

    private static string Describe(DatasetBudget budget) => System.Text.Json.JsonSerializer.Serialize(budget);

    [Fact]
    public void Trees_fold_into_the_same_budget_whatever_their_order_and_grouping()
    {
        var expected = Describe(BudgetUnion.Add(null, 0.3, 1, [A, B, C]));
        Assert.Equal(expected, Describe(BudgetUnion.Add(null, 0.3, 1, [C, B, A])));
        Assert.Equal(expected, Describe(BudgetUnion.Add(null, 0.3, 1, [B, A, C])));
        Assert.Equal(expected, Describe(BudgetUnion.Add(BudgetUnion.Add(null, 0.3, 1, [C]), 0.3, 1, [B, A])));
        Assert.Equal(expected, Describe(BudgetUnion.Add(BudgetUnion.Add(BudgetUnion.Add(null, 0.3, 1, [B]), 0.3, 1, [C]), 0.3, 1, [A])));
    }

    [Fact]
    public void Records_are_a_union_by_kept_vector_and_costs_are_summed_over_trees()
    {
        var budget = BudgetUnion.Add(null, 0.3, 1, [A, B, C]);

        // 3 + 4 + 2 records, of which [5,5,5] three times and [4,6,5] twice.
        Assert.Equal(6, budget.Records.Count);
        Assert.Equal(budget.Records.Count, budget.Records.Select(r => string.Join(',', r.Kept)).Distinct().Count());
        Assert.Equal(1.25 + 2.5 + 0.75, budget.Seconds);
        Assert.Equal(9, budget.Evaluations);
        Assert.Equal([1L, 2, 3], budget.Trees!.Select(t => t.Seed));
        // Ordered by simulation, then kept vector: the three roots first as one record.
        Assert.Equal([0, 1, 1, 1, 2, 3], budget.Records.Select(r => r.Simulation));
        Assert.Equal([5, 5, 5], budget.Records[0].Kept);
        Assert.Equal([5, 6, 4], budget.Records[1].Kept);
    }

    [Fact]
    public void Adding_trees_already_present_returns_the_same_budget()
    {
        var budget = BudgetUnion.Add(null, 0.3, 1, [A, B]);
        Assert.Same(budget, BudgetUnion.Add(budget, 0.3, 1, [B, A]));
        // A rerun of a tree (same seed, other timing) is the tree already there.
        Assert.Same(budget, BudgetUnion.Add(budget, 0.3, 1, [A with { Tree = A.Tree with { Seconds = 99 } }]));
    }

    [Fact]
    public void One_tree_keeps_its_evaluation_order_so_a_one_tree_dataset_reads_as_before()
    {
        var records = Records(0.3, [9, 3, 3], [1, 7, 7], [5, 5, 5]);
        var budget = BudgetUnion.Add(null, 0.3, 1, [Tree(1, 1, records)]);
        Assert.Equal(records, budget.Records);
    }

    [Fact]
    public void A_budget_written_before_trees_were_recorded_counts_as_the_settings_seed()
    {
        var legacy = new DatasetBudget(0.3, 4.0, 3, A.Records);
        Assert.Same(legacy, BudgetUnion.Add(legacy, 0.3, settingsSeed: 1, [A]));

        var grown = BudgetUnion.Add(legacy, 0.3, settingsSeed: 1, [B]);
        Assert.Equal([1L, 2], grown.Trees!.Select(t => t.Seed));
        Assert.Equal(4.0 + 2.5, grown.Seconds);
    }
}
