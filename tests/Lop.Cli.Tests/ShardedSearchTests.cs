using System.Text.Json;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>
/// A search split into 4 shards run as 4 processes (as 4 CI jobs or pods would, each with its own cache),
/// merged, and trained on, against the same search in one process.
/// </summary>
public sealed class ShardedSearchTests : IDisposable
{
    // Every variable a shard may take its index from, removed so that the test machine's own environment cannot choose.
    private static readonly string[] ShardVariables =
        ["LOP_SHARD_INDEX", "LOP_SHARD_COUNT", "JOB_COMPLETION_INDEX", "SYSTEM_JOBPOSITIONINPHASE", "SYSTEM_TOTALJOBSINPHASE"];

    private readonly TempFolder _temp = new();
    private readonly string[] _inputs;
    private readonly string[] _search;

    public ShardedSearchTests()
    {
        var config = TinyModels.Config(layers: 4, hidden: 32, intermediate: 48, vocab: 256);
        var model = TestCheckpoints.Save(TinyModels.Random(config), _temp.Sub("model"));
        var calibration = _temp.Sub("calibration.txt");
        File.WriteAllText(calibration, string.Concat(Enumerable.Range(0, 80).Select(i => $"Line {i}: the quick brown fox jumps over the lazy dog. ")));
        _inputs = ["--model", model, "--calibration", calibration, "--sequence-length", "32"];
        // 2 budgets x 2 trees: 4 units, one per shard.
        _search = [.. _inputs, "--budgets", "0.3,0.5", "--seeds-per-budget", "2", "--simulations", "10", "--reward-sequences", "4"];
    }

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, string?> Environment(params (string Name, string Value)[] set)
    {
        var environment = ShardVariables.ToDictionary(v => v, _ => (string?)null);
        foreach (var (name, value) in set)
        {
            environment[name] = value;
        }
        return environment;
    }

    private static JsonDocument Json(Dictionary<string, string?> environment, params string[] args)
    {
        var result = CliRunner.Run(environment, [.. args, "--json"]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut);
    }

    private JsonDocument Json(params string[] args) => Json(Environment(), args);

    private static SearchDatasetFile Dataset(string cache, string key) =>
        JsonSerializer.Deserialize<SearchDatasetFile>(File.ReadAllText(Path.Combine(cache, "dataset", key, "dataset.json")),
            new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase })!;

    [Fact]
    public async Task Four_shard_processes_merged_give_the_single_process_dataset_and_predictor()
    {
        // Two shards named on the command line, one by the variables a GitHub workflow sets, one as a Kubernetes Indexed Job pod.
        var shards = new (Dictionary<string, string?> Environment, string[] Shard)[]
        {
            (Environment(), ["--shard", "0/4"]),
            (Environment(), ["--shard", "1/4"]),
            (Environment(("LOP_SHARD_INDEX", "2"), ("LOP_SHARD_COUNT", "4")), []),
            (Environment(("JOB_COMPLETION_INDEX", "3"), ("LOP_SHARD_COUNT", "4")), []),
        };
        var reports = await Task.WhenAll(shards.Select((shard, i) => Task.Run(() => Json(shard.Environment,
            ["search", .. _search, .. shard.Shard, "--out", _temp.Sub($"shard{i}"), "--cache", _temp.Sub($"cache{i}")]))));
        var units = reports.Select(r => r.RootElement).ToList();
        Assert.Equal([0, 1, 2, 3], units.Select(u => u.GetProperty("index").GetInt32()));
        Assert.All(units, u => Assert.Equal(4, u.GetProperty("count").GetInt32()));
        Assert.Contains("LOP_SHARD_INDEX", units[2].GetProperty("shardSource").GetString());
        Assert.Contains("JOB_COMPLETION_INDEX", units[3].GetProperty("shardSource").GetString());
        // Unit k = (budget, tree) in order: budgets ascending, then trees.
        Assert.Equal([(0.3, 0), (0.3, 1), (0.5, 0), (0.5, 1)], units.Select(u =>
        {
            var fragment = Assert.Single(u.GetProperty("fragments").EnumerateArray());
            return (fragment.GetProperty("budget").GetDouble(), fragment.GetProperty("tree").GetInt32());
        }));
        Assert.All(Enumerable.Range(0, 4), i => Assert.Single(Directory.GetFiles(_temp.Sub($"shard{i}"), "*.fragment.json")));

        var merged = _temp.Sub("merged");
        using var merge = Json("datasets", "merge", _temp.Sub("shard0"), _temp.Sub("shard1"), _temp.Sub("shard2"), _temp.Sub("shard3"), "--cache", merged);
        Assert.Equal("1.0.0", merge.RootElement.GetProperty("datasetVersion").GetString());
        Assert.Equal(4, merge.RootElement.GetProperty("treesAdded").GetInt32());

        var single = _temp.Sub("single");
        using var search = Json(["search", .. _search, "--cache", single]);
        var key = search.RootElement.GetProperty("datasetKey").GetString()!;
        Assert.Equal(key, merge.RootElement.GetProperty("datasetKey").GetString());

        // Same units, same records: every configuration, reward and simulation number, budget by budget.
        var fromShards = Dataset(merged, key);
        var fromOneProcess = Dataset(single, key);
        Assert.Equal(fromOneProcess.Budgets.Select(b => b.Budget), fromShards.Budgets.Select(b => b.Budget));
        foreach (var (one, sharded) in fromOneProcess.Budgets.Zip(fromShards.Budgets))
        {
            Assert.Equal(one.Trees.Select(t => (t.Seed, t.Evaluations)), sharded.Trees.Select(t => (t.Seed, t.Evaluations)));
            Assert.Equal(2, one.Trees.Count);
            Assert.True(one.Records.Count > 2, $"budget {one.Budget}: {one.Records.Count} records");
            Assert.Equal(one.Evaluations, sharded.Evaluations);
            Assert.Equal(one.Records.Count, sharded.Records.Count);
            Assert.Equal(one.Records.Select(r => r.Describe()), sharded.Records.Select(r => r.Describe()));
        }

        // The predictor trains from the merged dataset without searching, and equals the one trained from the single-process dataset.
        string[] training = ["--budgets", "0.3,0.5", "--seeds-per-budget", "2", "--simulations", "10", "--reward-sequences", "4", "--epochs", "15"];
        var trainMerged = CliRunner.Run(Environment(), ["train", .. _inputs, .. training, "--cache", merged, "--json"]);
        Assert.True(trainMerged.ExitCode == 0, trainMerged.StdErr);
        Assert.Contains("already holds budgets", trainMerged.StdErr);
        Assert.DoesNotContain("evaluations in", trainMerged.StdErr);
        using var trainedMerged = JsonDocument.Parse(trainMerged.StdOut);
        using var trainedSingle = Json(["train", .. _inputs, .. training, "--cache", single]);
        Assert.Equal(trainedSingle.RootElement.GetProperty("finalLoss").GetDouble(), trainedMerged.RootElement.GetProperty("finalLoss").GetDouble());
        Assert.Equal("1.0.0", trainedMerged.RootElement.GetProperty("datasetVersion").GetString());
        foreach (var budget in new[] { "0.3", "0.4" })
        {
            using var a = Json(["predict", .. _inputs, .. training, "--budget", budget, "--cache", merged]);
            using var b = Json(["predict", .. _inputs, .. training, "--budget", budget, "--cache", single]);
            Assert.Equal(b.RootElement.GetProperty("ratios").EnumerateArray().Select(r => r.GetDouble()),
                a.RootElement.GetProperty("ratios").EnumerateArray().Select(r => r.GetDouble()));
        }
    }

    [Fact]
    public void A_retried_shard_resumes_and_merging_the_same_fragments_again_in_another_order_writes_no_new_version()
    {
        string[] search = [.. _inputs, "--budgets", "0.4", "--seeds-per-budget", "2", "--simulations", "4", "--reward-sequences", "4"];
        using var first = Json(["search", .. search, "--shard", "0/2", "--out", _temp.Sub("a"), "--cache", _temp.Sub("cache")]);
        using var second = Json(["search", .. search, "--shard", "1/2", "--out", _temp.Sub("b"), "--cache", _temp.Sub("cache")]);
        var merged = _temp.Sub("merged");
        // A retried shard finds its unit's fragment in its folder and does not search it again.
        using var retried = Json(["search", .. search, "--shard", "0/2", "--out", _temp.Sub("a"), "--cache", _temp.Sub("cache")]);
        Assert.True(Assert.Single(retried.RootElement.GetProperty("fragments").EnumerateArray()).GetProperty("fromEarlierRun").GetBoolean());
        Assert.Equal(first.RootElement.GetProperty("fragments")[0].GetProperty("fragment").GetString(),
            retried.RootElement.GetProperty("fragments")[0].GetProperty("fragment").GetString());
        Assert.Single(Directory.GetFiles(_temp.Sub("a")));

        using var once = Json("datasets", "merge", _temp.Sub("a"), "--cache", merged);
        using var both = Json("datasets", "merge", _temp.Sub("b"), _temp.Sub("a"), "--cache", merged);
        var file = both.RootElement.GetProperty("file").GetString()!;
        var bytes = File.ReadAllBytes(file);
        using var again = Json("datasets", "merge", _temp.Sub("a"), _temp.Sub("b"), "--cache", merged);

        Assert.Equal(["1.0.0", "1.1.0", "1.1.0"], new[] { once, both, again }.Select(r => r.RootElement.GetProperty("datasetVersion").GetString()));
        Assert.False(again.RootElement.GetProperty("changed").GetBoolean());
        Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Equal(2, Assert.Single(again.RootElement.GetProperty("budgets").EnumerateArray()).GetProperty("trees").GetInt32());
    }

    [Fact]
    public void A_bad_shard_and_a_fragment_of_another_setting_are_refused_with_their_codes()
    {
        var badShard = CliRunner.Run(Environment(), ["search", .. _search, "--shard", "4/4", "--out", _temp.Sub("x"), "--cache", _temp.Sub("cache")]);
        Assert.Equal(1, badShard.ExitCode);
        Assert.Contains("LOP5101", badShard.StdErr);
        Assert.Contains("shard index 4 is not below the shard count 4", badShard.StdErr);
        Assert.False(Directory.Exists(_temp.Sub("x")));

        var noOut = CliRunner.Run(Environment(), ["search", .. _search, "--shard", "0/2", "--cache", _temp.Sub("cache")]);
        Assert.Equal(1, noOut.ExitCode);
        Assert.Contains("LOP5101", noOut.StdErr);
        Assert.Contains("--out", noOut.StdErr);

        var halfPair = CliRunner.Run(Environment(("JOB_COMPLETION_INDEX", "1")), ["search", .. _search, "--out", _temp.Sub("x"), "--cache", _temp.Sub("cache")]);
        Assert.Equal(1, halfPair.ExitCode);
        Assert.Contains("LOP5101", halfPair.StdErr);
        Assert.Contains("LOP_SHARD_COUNT", halfPair.StdErr);

        // Two fragments searched with 6 simulations a tree, and one with 4: the odd one out is named.
        string[] search = [.. _inputs, "--budgets", "0.4", "--seeds-per-budget", "2", "--reward-sequences", "4"];
        using var six = Json(["search", .. search, "--simulations", "6", "--out", _temp.Sub("six"), "--cache", _temp.Sub("cache")]);
        using var four = Json(["search", .. search, "--simulations", "4", "--shard", "0/2", "--out", _temp.Sub("four"), "--cache", _temp.Sub("cache")]);
        var stray = Assert.Single(Directory.GetFiles(_temp.Sub("four"), "*.fragment.json"));
        var mixed = CliRunner.Run(Environment(), "datasets", "merge", _temp.Sub("six"), _temp.Sub("four"), "--cache", _temp.Sub("merged"));
        Assert.Equal(1, mixed.ExitCode);
        Assert.StartsWith(stray + ": error LOP5104", mixed.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_temp.Sub("merged"), "dataset")));
    }

    /// <summary>The parts of dataset.json the comparison reads, as a test reads a file a user would.</summary>
    private sealed record SearchDatasetFile(List<BudgetFile> Budgets);

    private sealed record BudgetFile(double Budget, double Seconds, int Evaluations, List<RecordFile> Records, List<TreeFile> Trees);

    private sealed record TreeFile(long Seed, double Seconds, int Evaluations);

    private sealed record RecordFile(double Budget, double[] Ratios, int[] Kept, double Reward, double Perplexity, int Simulation)
    {
        public string Describe() => JsonSerializer.Serialize(this);
    }
}
