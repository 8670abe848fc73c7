using Lop.Core.Errors;
using Lop.Core.Search;
using Lop.Core.Shards;

namespace Lop.Core.Tests.Shards;

public sealed class ShardSpecTests
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] set) =>
        name => set.FirstOrDefault(v => v.Name == name).Value;

    [Theory]
    [InlineData("0/1", 0, 1)]
    [InlineData("3/4", 3, 4)]
    [InlineData(" 2 / 10 ", 2, 10)]
    public void A_shard_is_parsed_as_a_zero_based_index_over_a_count(string text, int index, int count)
    {
        var spec = ShardSpec.Parse(text);
        Assert.Equal((index, count), (spec.Index, spec.Count));
        Assert.Equal("--shard", spec.Source);
    }

    [Theory]
    [InlineData("4/4")]
    [InlineData("0/0")]
    [InlineData("-1/4")]
    [InlineData("1")]
    [InlineData("1/2/3")]
    [InlineData("a/4")]
    [InlineData("1.5/4")]
    public void A_shard_that_cannot_be_is_refused_with_LOP5101(string text)
    {
        var error = Assert.Throws<LopException>(() => ShardSpec.Parse(text));
        Assert.Equal(ErrorCodes.ShardSpecInvalid, error.Code);
        Assert.StartsWith("--shard: ", error.Message);
    }

    [Fact]
    public void Shards_split_the_units_so_that_each_unit_runs_exactly_once()
    {
        var settings = new SearchSettings { SeedsPerBudget = 3 };
        var units = SearchUnit.All([0.6, 0.2, 0.4], settings);
        var owners = Enumerable.Range(0, units.Count).Select(k => Enumerable.Range(0, 4).Where(i => new ShardSpec(i, 4, "test").Owns(k)).ToList()).ToList();

        Assert.All(owners, o => Assert.Single(o));
        Assert.Equal(Enumerable.Range(0, units.Count).Select(k => k % 4), owners.Select(o => o[0]));
    }

    [Fact]
    public void Units_are_numbered_by_budget_ascending_then_tree_with_duplicate_budgets_dropped()
    {
        var settings = new SearchSettings { Seed = 7, SeedsPerBudget = 2 };
        var units = SearchUnit.All([0.5, 0.3, 0.5], settings);

        Assert.Equal([(0.3, 0), (0.3, 1), (0.5, 0), (0.5, 1)], units.Select(u => (u.Budget, u.Tree)));
        // Tree 0 keeps the settings' seed, so one tree per budget searches exactly as before trees existed; the others differ.
        Assert.Equal(7, units[0].Seed);
        Assert.Equal(units[1].Seed, units[3].Seed);
        Assert.NotEqual(units[0].Seed, units[1].Seed);
        Assert.Equal([(0.3, 0), (0.5, 0)], SearchUnit.All([0.5, 0.3], new SearchSettings { Seed = 7 }).Select(u => (u.Budget, u.Tree)));
    }

    [Fact]
    public void The_workflows_own_variables_give_the_shard()
    {
        var spec = ShardSpec.FromEnvironment(Variables(("LOP_SHARD_INDEX", "2"), ("LOP_SHARD_COUNT", "5")))!;
        Assert.Equal((2, 5), (spec.Index, spec.Count));
        Assert.Contains("LOP_SHARD_INDEX", spec.Source);
    }

    [Fact]
    public void Azure_Pipelines_one_based_job_position_becomes_a_zero_based_index()
    {
        var spec = ShardSpec.FromEnvironment(Variables(("SYSTEM_JOBPOSITIONINPHASE", "3"), ("SYSTEM_TOTALJOBSINPHASE", "3")))!;
        Assert.Equal((2, 3), (spec.Index, spec.Count));
        Assert.Contains("Azure", spec.Source);
        Assert.Equal(ErrorCodes.ShardSpecInvalid, Assert.Throws<LopException>(() =>
            ShardSpec.FromEnvironment(Variables(("SYSTEM_JOBPOSITIONINPHASE", "0"), ("SYSTEM_TOTALJOBSINPHASE", "3"))))!.Code);
    }

    [Fact]
    public void A_Kubernetes_completion_index_takes_its_count_from_LOP_SHARD_COUNT()
    {
        var spec = ShardSpec.FromEnvironment(Variables(("JOB_COMPLETION_INDEX", "0"), ("LOP_SHARD_COUNT", "8")))!;
        Assert.Equal((0, 8), (spec.Index, spec.Count));
        Assert.Contains("Kubernetes", spec.Source);

        var error = Assert.Throws<LopException>(() => ShardSpec.FromEnvironment(Variables(("JOB_COMPLETION_INDEX", "3"))));
        Assert.Equal(ErrorCodes.ShardSpecInvalid, error.Code);
        Assert.Contains("LOP_SHARD_COUNT", error.Message);
    }

    [Fact]
    public void The_workflows_variables_win_over_the_ones_a_CI_system_sets_for_every_job()
    {
        var spec = ShardSpec.FromEnvironment(Variables(("LOP_SHARD_INDEX", "1"), ("LOP_SHARD_COUNT", "2"),
            ("SYSTEM_JOBPOSITIONINPHASE", "1"), ("SYSTEM_TOTALJOBSINPHASE", "1")))!;
        Assert.Equal((1, 2), (spec.Index, spec.Count));
    }

    [Fact]
    public void No_CI_variables_means_no_shard_and_half_a_pair_is_an_error()
    {
        Assert.Null(ShardSpec.FromEnvironment(Variables()));
        Assert.Equal(ErrorCodes.ShardSpecInvalid, Assert.Throws<LopException>(() => ShardSpec.FromEnvironment(Variables(("LOP_SHARD_INDEX", "1"))))!.Code);
        Assert.Equal(ErrorCodes.ShardSpecInvalid, Assert.Throws<LopException>(() => ShardSpec.FromEnvironment(Variables(("LOP_SHARD_COUNT", "4"))))!.Code);
        Assert.Equal(ErrorCodes.ShardSpecInvalid, Assert.Throws<LopException>(() => ShardSpec.FromEnvironment(Variables(("LOP_SHARD_INDEX", "4"), ("LOP_SHARD_COUNT", "4"))))!.Code);
        Assert.Equal(ErrorCodes.ShardSpecInvalid, Assert.Throws<LopException>(() => ShardSpec.FromEnvironment(Variables(("SYSTEM_TOTALJOBSINPHASE", "4"))))!.Code);
    }

    [Fact]
    public void One_tree_per_budget_leaves_the_settings_json_and_so_every_dataset_key_as_before()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new SearchSettings());
        Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(new SearchSettings { SeedsPerBudget = 1 }));
        Assert.DoesNotContain("SeedsPerBudget", json);
        Assert.Contains("\"SeedsPerBudget\":3", System.Text.Json.JsonSerializer.Serialize(new SearchSettings { SeedsPerBudget = 3 }));
        Assert.Equal(ErrorCodes.InvalidArgument, Assert.Throws<LopException>(() => new SearchSettings { SeedsPerBudget = 0 }.Validate()).Code);
    }
}
