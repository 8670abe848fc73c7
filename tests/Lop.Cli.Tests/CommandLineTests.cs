using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Formats;
using Lop.Core.Loading;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>The command line contract: JSON on stdout, coded errors on stderr, exit codes, outputs on disk.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly string _calibration;
    private readonly string _cache;

    public CommandLineTests()
    {
        var config = TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, vocab: 256);
        _model = TestCheckpoints.Save(TinyModels.Random(config), _temp.Sub("model"));
        _calibration = _temp.Sub("calibration.txt");
        File.WriteAllText(_calibration, string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 60)));
        _cache = _temp.Sub("cache");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Perplexity_json_is_an_object_with_a_perplexity_field()
    {
        var result = CliRunner.Run("perplexity", "--model", _model, "--calibration", _calibration, "--sequence-length", "32", "--json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        Assert.Equal("held-out", json.RootElement.GetProperty("split").GetString());
        AssertHandComputedPerplexity(_model, json.RootElement);
    }

    [Fact]
    public void Prune_writes_a_variant_that_perplexity_can_evaluate()
    {
        var output = _temp.Sub("variant");
        var prune = CliRunner.Run("prune", "--model", _model, "--calibration", _calibration, "--sequence-length", "32",
            "--ratios", "0.5,0.25,0.75", "--out", output, "--cache", _cache, "--json");

        Assert.True(prune.ExitCode == 0, prune.StdErr);
        using var report = JsonDocument.Parse(prune.StdOut);
        Assert.Equal([24, 36, 12], report.RootElement.GetProperty("keptPerLayer").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(output, "lop-manifest.json")));
        Assert.True(new FileInfo(Path.Combine(output, "model.safetensors")).Length < new FileInfo(Path.Combine(_model, "model.safetensors")).Length);

        var perplexity = CliRunner.Run("perplexity", "--model", output, "--calibration", _calibration, "--sequence-length", "32", "--json");
        Assert.True(perplexity.ExitCode == 0, perplexity.StdErr);
        using var json = JsonDocument.Parse(perplexity.StdOut);
        AssertHandComputedPerplexity(output, json.RootElement);
    }

    /// <summary>
    /// The CLI's perplexity against exp(mean NLL) computed here, in process: the checkpoint loaded, its logits
    /// taken one held-out window at a time, the NLL summed by hand (see HandNll).
    /// </summary>
    private void AssertHandComputedPerplexity(string modelFolder, JsonElement report)
    {
        var heldOut = CalibrationSet.Load(_calibration, ByteTokenizer.Instance, sequenceLength: 32).HeldOut;
        double expected;
        using (var checkpoint = HfCheckpoint.Open(modelFolder))
        using (var model = CheckpointLoader.Load(checkpoint))
        {
            expected = Math.Exp(HandNll.Mean(t => model.forward(t), heldOut.Select(s => s.Tokens)));
        }
        Assert.Equal(heldOut.Length, report.GetProperty("sequences").GetInt32());
        var actual = report.GetProperty("perplexity").GetDouble();
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * expected, $"CLI perplexity {actual}, hand-computed {expected}");
    }

    [Fact]
    public void Importance_is_cached_and_reused()
    {
        var first = CliRunner.Run("importance", "--model", _model, "--calibration", _calibration, "--sequence-length", "32", "--cache", _cache, "--json");
        var second = CliRunner.Run("importance", "--model", _model, "--calibration", _calibration, "--sequence-length", "32", "--cache", _cache, "--json");

        Assert.True(first.ExitCode == 0, first.StdErr);
        using var a = JsonDocument.Parse(first.StdOut);
        using var b = JsonDocument.Parse(second.StdOut);
        Assert.False(a.RootElement.GetProperty("fromCache").GetBoolean());
        Assert.True(b.RootElement.GetProperty("fromCache").GetBoolean());
        Assert.Equal(a.RootElement.GetProperty("layers").GetRawText(), b.RootElement.GetProperty("layers").GetRawText());
        Assert.True(File.Exists(a.RootElement.GetProperty("cacheFile").GetString()));
    }

    [Fact]
    public void A_bad_checkpoint_is_a_coded_error_naming_the_file_without_a_stack_trace()
    {
        var broken = _temp.Sub("broken");
        Directory.CreateDirectory(broken);
        File.Copy(Path.Combine(_model, "config.json"), Path.Combine(broken, "config.json"));
        var bytes = File.ReadAllBytes(Path.Combine(_model, "model.safetensors"));
        File.WriteAllBytes(Path.Combine(broken, "model.safetensors"), bytes[..(bytes.Length / 2)]);

        var result = CliRunner.Run("perplexity", "--model", broken, "--calibration", _calibration);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error LOP2004", result.StdErr);
        Assert.Contains(Path.Combine(broken, "model.safetensors"), result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.Equal("", result.StdOut);
    }

    [Fact]
    public void Search_with_the_cheaper_simulation_options_keeps_only_full_fidelity_records_and_stops_early()
    {
        var result = CliRunner.Run("search", "--model", _model, "--calibration", _calibration, "--sequence-length", "32", "--budgets", "0.5",
            "--simulations", "40", "--reward-sequences", "6", "--staged-sequences", "2", "--promote-top", "2", "--token-stride", "3", "--patience", "5",
            "--cache", _cache, "--json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var budget = Assert.Single(json.RootElement.GetProperty("budgets").EnumerateArray());
        Assert.InRange(budget.GetProperty("evaluations").GetInt32(), 1, 40);
        Assert.Contains("candidates scored cheaply", result.StdErr);
    }

    [Fact]
    public void Search_refuses_a_token_stride_of_zero_with_a_coded_error_before_any_work()
    {
        var result = CliRunner.Run("search", "--model", _model, "--calibration", _calibration, "--token-stride", "0", "--cache", _cache);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error LOP0002", result.StdErr);
        Assert.Contains("token stride is 0", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.False(Directory.Exists(_cache), "nothing is cached for refused settings");
    }

    [Fact]
    public void Perplexity_of_a_checkpoint_that_overflows_is_a_coded_error_not_nan()
    {
        var config = TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, vocab: 256);
        var overflowing = TestCheckpoints.Save(TinyModels.OverflowingDownProj(TinyModels.Random(config), layer: 2), _temp.Sub("overflowing"));

        var result = CliRunner.Run("perplexity", "--model", overflowing, "--calibration", _calibration, "--sequence-length", "32", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("lop: error LOP4006: ", result.StdErr);
        Assert.Contains("decoder layer 2's FFN output", result.StdErr);
        Assert.DoesNotContain("LOP0000", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
        Assert.Equal("", result.StdOut);
    }

    [Fact]
    public void A_wrong_number_of_ratios_fails_before_writing_anything()
    {
        var output = _temp.Sub("variant");
        var result = CliRunner.Run("prune", "--model", _model, "--calibration", _calibration, "--ratios", "0.5,0.5", "--out", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error LOP4002", result.StdErr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Missing_required_options_are_reported_by_the_parser()
    {
        var result = CliRunner.Run("prune", "--model", _model);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--calibration", result.StdErr);
    }
}
