using System.Text.Json;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>dotnet lop variants: one variant per lop.yaml target, incremental, with yaml errors at their line.</summary>
public sealed class VariantsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public VariantsTests()
    {
        var config = TinyModels.Config(layers: 4, hidden: 32, intermediate: 48, vocab: 256);
        TestCheckpoints.Save(TinyModels.Random(config), _temp.Sub("model"));
        File.WriteAllText(_temp.Sub("calibration.txt"), string.Concat(Enumerable.Range(0, 80).Select(i => $"Line {i}: the quick brown fox jumps over the lazy dog. ")));
    }

    public void Dispose() => _temp.Dispose();

    private string WriteYaml(params string[] targets)
    {
        var yaml = $"""
            model: model
            calibration:
              path: calibration.txt
              sequenceLength: 32
            search:
              budgets: [0.3, 0.6]
              simulations: 8
              rewardSequences: 4
            predictor:
              epochs: 10
              top: 4
            cache: cache
            targets:
            {string.Join("\n", targets)}
            """;
        var path = _temp.Sub("lop.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private JsonElement Variants(string yaml)
    {
        var result = CliRunner.Run("variants", "--config", yaml, "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    [Fact]
    public void Each_target_gets_a_variant_and_an_unchanged_second_run_does_nothing()
    {
        var yaml = WriteYaml("  - name: half\n    ratio: 0.5", "  - name: small\n    maxParams: 60K");

        var first = Variants(yaml);
        var second = Variants(yaml);

        var variants = first.GetProperty("variants").EnumerateArray().ToList();
        Assert.Equal(["half", "small"], variants.Select(v => v.GetProperty("target").GetString()));
        Assert.All(variants, v => Assert.False(v.GetProperty("upToDate").GetBoolean()));
        Assert.True(variants[1].GetProperty("parameters").GetInt64() <= 60_000);
        Assert.Equal(0.5, variants[0].GetProperty("budget").GetDouble());
        Assert.All(variants, v => Assert.True(File.Exists(v.GetProperty("manifest").GetString())));
        Assert.All(second.GetProperty("variants").EnumerateArray(), v => Assert.True(v.GetProperty("upToDate").GetBoolean()));
    }

    [Fact]
    public void Adding_a_target_builds_only_that_one_and_new_calibration_rebuilds_all()
    {
        Variants(WriteYaml("  - name: half\n    ratio: 0.5"));
        var added = Variants(WriteYaml("  - name: half\n    ratio: 0.5", "  - name: light\n    ratio: 0.3")).GetProperty("variants").EnumerateArray().ToList();
        Assert.True(added[0].GetProperty("upToDate").GetBoolean());
        Assert.False(added[1].GetProperty("upToDate").GetBoolean());

        File.AppendAllText(_temp.Sub("calibration.txt"), "Some more calibration text that changes the hash. ");
        var rebuilt = Variants(WriteYaml("  - name: half\n    ratio: 0.5", "  - name: light\n    ratio: 0.3")).GetProperty("variants").EnumerateArray();
        Assert.All(rebuilt, v => Assert.False(v.GetProperty("upToDate").GetBoolean()));
    }

    [Fact]
    public void A_weight_edited_in_place_rebuilds_every_variant_and_recomputes_every_artifact()
    {
        var yaml = WriteYaml("  - name: half\n    ratio: 0.5");
        var weights = _temp.Sub("model/model.safetensors");
        // An old mtime, as a downloaded model has, so the digest cache records an entry it trusts.
        File.SetLastWriteTimeUtc(weights, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var first = CliRunner.Run("variants", "--config", yaml, "--json");
        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Contains("fingerprint: digested 1 weight file(s)", first.StdErr);
        var unchanged = CliRunner.Run("variants", "--config", yaml, "--json");
        Assert.True(unchanged.ExitCode == 0, unchanged.StdErr);
        Assert.DoesNotContain("fingerprint: digested", unchanged.StdErr);
        Assert.All(Parse(unchanged).GetProperty("variants").EnumerateArray(), v => Assert.True(v.GetProperty("upToDate").GetBoolean()));

        // A fine-tune saved in place: same names, shapes, header and length; one byte of the last tensor differs.
        var length = new FileInfo(weights).Length;
        using (var stream = new FileStream(weights, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Seek(-1, SeekOrigin.End);
            var value = (byte)stream.ReadByte();
            stream.Seek(-1, SeekOrigin.End);
            stream.WriteByte((byte)(value ^ 0x01));
        }
        Assert.Equal(length, new FileInfo(weights).Length);
        var edited = CliRunner.Run("variants", "--config", yaml, "--json");

        Assert.True(edited.ExitCode == 0, edited.StdErr);
        Assert.Contains("fingerprint: digested 1 weight file(s)", edited.StdErr);
        Assert.All(Parse(edited).GetProperty("variants").EnumerateArray(), v => Assert.False(v.GetProperty("upToDate").GetBoolean()));
        Assert.DoesNotContain("importance: cached", edited.StdErr);
        Assert.DoesNotContain("already holds budgets", edited.StdErr);
        Assert.Contains("search 0.3: best perplexity", edited.StdErr);
        Assert.Contains("final loss", edited.StdErr);
    }

    private static JsonElement Parse(CliResult result) => JsonDocument.Parse(result.StdOut).RootElement;

    [Fact]
    public void An_engine_outside_the_callers_version_range_refuses_before_any_work()
    {
        var yaml = WriteYaml("  - name: half\n    ratio: 0.5");

        var refused = CliRunner.Run("variants", "--config", yaml, "--engine-version-range", "[9.0.0, 10.0.0)");
        var accepted = CliRunner.Run("variants", "--config", yaml, "--engine-version-range", "[0.1.0, 0.2.0)", "--json");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("error LOP0005", refused.StdErr);
        Assert.True(accepted.ExitCode == 0, accepted.StdErr);
    }

    [Fact]
    public void Init_writes_a_starter_and_its_schema_and_refuses_to_overwrite_it()
    {
        var path = _temp.Sub("starter/lop.yaml");
        Directory.CreateDirectory(_temp.Sub("starter"));

        var first = CliRunner.Run("init", "--config", path);
        var second = CliRunner.Run("init", "--config", path);

        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Equal(Lop.Core.Config.LopConfigTemplate.Text, File.ReadAllText(path));
        Assert.Equal("# yaml-language-server: $schema=lop.schema.json", File.ReadLines(path).First());
        Assert.Equal(Lop.Core.Config.LopConfigSchema.Text, File.ReadAllText(_temp.Sub("starter/lop.schema.json")));
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("error LOP0003", second.StdErr);
        Assert.Equal(["lop.schema.json", "lop.yaml"], Directory.GetFiles(_temp.Sub("starter")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Schema_prints_the_json_schema_or_writes_it()
    {
        var file = _temp.Sub("editor/lop.schema.json");
        Directory.CreateDirectory(_temp.Sub("editor"));

        var printed = CliRunner.Run("schema");
        var written = CliRunner.Run("schema", "--out", file);

        Assert.True(printed.ExitCode == 0, printed.StdErr);
        Assert.Equal(Lop.Core.Config.LopConfigSchema.Text, printed.StdOut);
        Assert.True(written.ExitCode == 0, written.StdErr);
        Assert.Equal(Lop.Core.Config.LopConfigSchema.Text, File.ReadAllText(file));
        Assert.StartsWith("{\n  \"$schema\": \"http://json-schema.org/draft-07/schema#\"", printed.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void An_impossible_target_fails_before_any_work_with_the_yaml_line()
    {
        var yaml = WriteYaml("  - name: half\n    ratio: 0.5", "  - name: too-small\n    maxParams: 100");

        var result = CliRunner.Run("variants", "--config", yaml);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{yaml}(17,16): error LOP1007", result.StdErr);
        Assert.False(Directory.Exists(_temp.Sub("lop-variants")));
    }
}
