using System.Text.Json;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>search, train, predict and eval on a tiny model, with few simulations and epochs so it runs in seconds.</summary>
public sealed class LopPipelineTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string[] _common;

    public LopPipelineTests()
    {
        var config = TinyModels.Config(layers: 4, hidden: 32, intermediate: 48, vocab: 256);
        var model = TestCheckpoints.Save(TinyModels.Random(config), _temp.Sub("model"));
        var calibration = _temp.Sub("calibration.txt");
        File.WriteAllText(calibration, string.Concat(Enumerable.Range(0, 80).Select(i => $"Line {i}: the quick brown fox jumps over the lazy dog. ")));
        _common = ["--model", model, "--calibration", calibration, "--sequence-length", "32", "--cache", _temp.Sub("cache"),
            "--simulations", "12", "--reward-sequences", "4", "--epochs", "15"];
    }

    public void Dispose() => _temp.Dispose();

    private JsonDocument Json(params string[] args)
    {
        var result = CliRunner.Run([.. args, .. _common, "--json"]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut);
    }

    [Fact]
    public void Adding_a_budget_extends_the_dataset_as_a_minor_version_without_searching_again()
    {
        using var first = Json("search", "--budgets", "0.3");
        using var second = Json("search", "--budgets", "0.3,0.6");
        using var third = Json("search", "--budgets", "0.6,0.3");

        Assert.Equal("1.0.0", first.RootElement.GetProperty("datasetVersion").GetString());
        Assert.Equal("1.1.0", second.RootElement.GetProperty("datasetVersion").GetString());
        Assert.Equal("1.1.0", third.RootElement.GetProperty("datasetVersion").GetString());
        var budgets = second.RootElement.GetProperty("budgets").EnumerateArray().ToList();
        Assert.True(budgets[0].GetProperty("fromCache").GetBoolean());
        Assert.False(budgets[1].GetProperty("fromCache").GetBoolean());
        Assert.All(third.RootElement.GetProperty("budgets").EnumerateArray(), b => Assert.True(b.GetProperty("fromCache").GetBoolean()));
        // Each budget's best configuration removes exactly its share of the 4 x 48 neurons, and a cached
        // dataset answers with the configuration the search found, not a recomputed one.
        Assert.All(budgets, b =>
        {
            var removed = b.GetProperty("bestRatios").EnumerateArray().Sum(r => 48 - Lop.Core.Allocation.BudgetAllocation.KeptCount(48, r.GetDouble()));
            Assert.Equal((int)Math.Round(b.GetProperty("budget").GetDouble() * 4 * 48), removed);
        });
        var fromCache = third.RootElement.GetProperty("budgets").EnumerateArray().ToDictionary(b => b.GetProperty("budget").GetDouble());
        Assert.All(budgets, b =>
        {
            Assert.Equal(b.GetProperty("bestPerplexity").GetDouble(), fromCache[b.GetProperty("budget").GetDouble()].GetProperty("bestPerplexity").GetDouble());
            Assert.Equal(b.GetProperty("bestRatios").EnumerateArray().Select(r => r.GetDouble()), fromCache[b.GetProperty("budget").GetDouble()].GetProperty("bestRatios").EnumerateArray().Select(r => r.GetDouble()));
        });
    }

    [Fact]
    public void Predict_meets_the_budget_exactly_for_trained_and_untrained_budgets()
    {
        foreach (var budget in new[] { "0.4", "0.5" })
        {
            using var report = Json("predict", "--budget", budget, "--budgets", "0.2,0.4,0.6");
            var kept = report.RootElement.GetProperty("keptPerLayer").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(4, kept.Length);
            Assert.Equal((int)Math.Round((1 - double.Parse(budget, System.Globalization.CultureInfo.InvariantCulture)) * 4 * 48), kept.Sum());
            Assert.All(kept, k => Assert.InRange(k, 5, 48));
            Assert.Equal(budget == "0.4", report.RootElement.GetProperty("trainedOn").GetBoolean());
        }
    }

    [Fact]
    public void Prune_with_a_budget_writes_the_predicted_allocation_at_the_exact_neuron_count()
    {
        var output = _temp.Sub("variant");
        using var report = Json("prune", "--budget", "0.5", "--budgets", "0.3,0.6", "--out", output);

        var kept = report.RootElement.GetProperty("keptPerLayer").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(96, kept.Sum());
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "lop-manifest.json")));
        Assert.Equal(kept, manifest.RootElement.GetProperty("keptPerLayer").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Eval_json_has_one_row_per_budget_and_method_with_the_contract_fields()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var report = Json("eval", "--eval-budgets", "0.3,0.5", "--budgets", "0.3,0.6", "--predictors", "transformer,mlp");
        var wall = watch.Elapsed.TotalSeconds;

        var rows = report.RootElement.EnumerateArray().ToList();
        Assert.Equal(2 * 7, rows.Count);
        Assert.Equal(["uniform", "owl", "flap", "flap-ratios", "mcts", "lop", "lop-mlp"], rows.Take(7).Select(r => r.GetProperty("method").GetString()));
        foreach (var row in rows)
        {
            // The contract's five fields first; timing fields only on the rows they concern (below).
            Assert.Equal(["budget", "method", "perplexity", "seconds", "trainedOn"], row.EnumerateObject().Select(p => p.Name).Take(5));
            Assert.True(row.GetProperty("perplexity").GetDouble() > 1);
            // A timing has no exact expected value, but it is bounded by the wall time of the whole process:
            // a figure in milliseconds, or a sum over rows, would not fit.
            Assert.InRange(row.GetProperty("seconds").GetDouble(), 0, wall);
            Assert.Equal(row.GetProperty("budget").GetDouble() == 0.3, row.GetProperty("trainedOn").GetBoolean());
        }
        // mcts reports the search time of its budget (a timing, so only its sign is a test property; the
        // speed-up of prediction over search is a benchmark figure, printed by eval on the sample).
        Assert.All(rows.Where(r => r.GetProperty("method").GetString() == "mcts"), r => Assert.True(r.GetProperty("seconds").GetDouble() > 0));
        // 0.5 is the first eval budget not trained on: searched again in this run, timed there and only there.
        string[] Extra(JsonElement row) => row.EnumerateObject().Skip(5).Select(p => p.Name).ToArray();
        var searched = rows.Where(r => Extra(r).Length > 0 && r.GetProperty("method").GetString() == "mcts").ToList();
        Assert.Equal(0.5, Assert.Single(searched).GetProperty("budget").GetDouble());
        Assert.Equal(["freshSearchSeconds", "freshSearchEvaluations"], Extra(searched[0]));
        Assert.InRange(searched[0].GetProperty("freshSearchSeconds").GetDouble(), 0, wall);
        Assert.All(rows.Where(r => r.GetProperty("method").GetString()!.StartsWith("lop", StringComparison.Ordinal)), r =>
            Assert.Equal(["firstCallSeconds", "warmSeconds", "oneOffSeconds", "speedup", "breakEvenBudgets"], Extra(r)));
        Assert.All(rows.Where(r => r.GetProperty("method").GetString() is "uniform" or "owl" or "flap"), r => Assert.Empty(Extra(r)));
    }

    [Fact]
    public void Eval_with_no_fresh_search_reports_no_search_speed_up_or_break_even()
    {
        using var report = Json("eval", "--eval-budgets", "0.5", "--budgets", "0.3", "--predictors", "transformer", "--no-fresh-search");

        var rows = report.RootElement.EnumerateArray().ToList();
        Assert.All(rows, r => Assert.False(r.TryGetProperty("freshSearchSeconds", out _)));
        var lop = rows.Single(r => r.GetProperty("method").GetString() == "lop");
        Assert.True(lop.GetProperty("warmSeconds").GetDouble() > 0);
        Assert.False(lop.TryGetProperty("speedup", out _));
        Assert.False(lop.TryGetProperty("breakEvenBudgets", out _));
    }

    [Fact]
    public void Cache_list_shows_versioned_entries_and_clean_removes_them()
    {
        Json("search", "--budgets", "0.3").Dispose();
        using var list = JsonDocument.Parse(CliRunner.Run("cache", "list", "--cache", _temp.Sub("cache"), "--json").StdOut);
        var kinds = list.RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        Assert.Contains("importance", kinds);
        Assert.Contains("dataset", kinds);
        Assert.All(list.RootElement.EnumerateArray(), e => Assert.True(e.GetProperty("bytes").GetInt64() > 0));

        Assert.Equal(0, CliRunner.Run("cache", "clean", "--cache", _temp.Sub("cache")).ExitCode);
        using var after = JsonDocument.Parse(CliRunner.Run("cache", "list", "--cache", _temp.Sub("cache"), "--json").StdOut);
        Assert.Empty(after.RootElement.EnumerateArray());
    }
}
