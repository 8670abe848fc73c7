using System.Text.Json;
using Lop.Core.Images;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>
/// dotnet lop generate on variants that dotnet lop variants built with GGUF files, and perplexity --gguf. The model's
/// output head scores only 'a' (+v) and 'b' (-v), so whatever the hidden state, greedy decoding picks one of the two
/// (never the end marker, whose score is 0): N tokens are exactly N ASCII characters, an assertion that can be exact.
/// </summary>
public sealed class GenerateTests : IClassFixture<GenerateTests.Variants>
{
    private readonly Variants _variants;

    public GenerateTests(Variants variants) => _variants = variants;

    public sealed class Variants : IDisposable
    {
        private readonly TempFolder _temp = new();

        public Variants()
        {
            var config = TinyModels.Config(layers: 2, hidden: 64, intermediate: 128, heads: 4, kvHeads: 2, vocab: 256);
            var model = TinyModels.TwoLetterHead(TinyModels.Random(config));
            Model = TestCheckpoints.Save(model, _temp.Sub("model"));
            Calibration = _temp.Sub("calibration.txt");
            File.WriteAllText(Calibration, string.Concat(Enumerable.Range(0, 60).Select(i => $"Gets or sets the value of item {i}. ")));
            File.WriteAllText(_temp.Sub("lop.yaml"), """
                model: model
                calibration:
                  path: calibration.txt
                  sequenceLength: 32
                search:
                  budgets: [0.3, 0.6]
                  simulations: 6
                  rewardSequences: 2
                predictor:
                  epochs: 5
                  top: 3
                cache: cache
                formats: [safetensors, gguf]
                targets:
                  - name: large
                    ratio: 0.25
                  - name: small
                    ratio: 0.5
                    quantization: q8_0
                """);
            var built = CliRunner.Run("variants", "--config", _temp.Sub("lop.yaml"), "--output", _temp.Sub("lop-variants"));
            Assert.True(built.ExitCode == 0, built.StdErr);
            Folder = _temp.Sub("lop-variants");
        }

        public string Folder { get; }

        public string Model { get; }

        public string Calibration { get; }

        public string Temp(string name) => _temp.Sub(name);

        public void Dispose() => _temp.Dispose();
    }

    private static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    [Fact]
    public void Generate_json_names_the_forced_target_and_holds_exactly_the_asked_tokens()
    {
        var result = Json(CliRunner.Run("generate", "--variants", _variants.Folder, "--target", "small", "--prompt", "Gets or sets the ", "--max-tokens", "24", "--json"));

        Assert.Equal(["target", "reason", "text", "promptTokensPerSecond", "tokensPerSecond"], result.EnumerateObject().Select(p => p.Name));
        Assert.Equal("small", result.GetProperty("target").GetString());
        Assert.StartsWith("small: named; needs ", result.GetProperty("reason").GetString());
        var text = result.GetProperty("text").GetString()!;
        Assert.Equal(24, text.Length);
        Assert.All(text, c => Assert.Contains(c, "ab"));
        Assert.True(result.GetProperty("promptTokensPerSecond").GetDouble() > 0);
        Assert.True(result.GetProperty("tokensPerSecond").GetDouble() > 0);
    }

    [Fact]
    public void Without_a_target_generate_runs_the_largest_variant_that_fits()
    {
        var result = Json(CliRunner.Run("generate", "--variants", _variants.Folder, "--prompt", "Gets", "--max-tokens", "5", "--json"));

        Assert.Equal("large", result.GetProperty("target").GetString());
        Assert.StartsWith("large: largest variant that fits ", result.GetProperty("reason").GetString());
        Assert.Equal(5, result.GetProperty("text").GetString()!.Length);
    }

    [Fact]
    public void Generate_prints_the_choice_the_prompt_and_its_continuation_and_the_speeds()
    {
        var result = CliRunner.Run("generate", "--variants", _variants.Folder, "--target", "large", "--prompt", "Gets or sets the ", "--max-tokens", "8");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("variant large: named; needs ", lines[0]);
        Assert.Matches("^Gets or sets the [ab]{8}$", lines[1]);
        Assert.Matches(@"^prompt 17 tokens at [0-9.]+/s, generated 8 at [0-9.]+/s \(wall clock\)$", lines[2]);
    }

    [Fact]
    public void A_memory_cap_no_variant_fits_is_a_coded_error_with_exit_code_1()
    {
        var result = CliRunner.Run("generate", "--variants", _variants.Folder, "--memory", "10KB", "--prompt", "Gets", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StdOut);
        Assert.StartsWith($"{_variants.Folder}: error LOP6103: no variant fits 10 KiB available (configured cap): the smallest, 'small', needs ", result.StdErr.Trim());
    }

    [Fact]
    public void A_memory_cap_that_is_not_a_size_is_a_coded_error()
    {
        var result = CliRunner.Run("generate", "--variants", _variants.Folder, "--memory", "lots", "--prompt", "Gets");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("lop: error LOP0002: --memory 'lots' is not a size such as", result.StdErr.Trim());
    }

    [Fact]
    public void Perplexity_with_gguf_agrees_with_the_engine_on_the_same_tokens()
    {
        var gguf = _variants.Temp("dense.gguf");
        var export = CliRunner.Run("export", "--model", _variants.Model, "--out", gguf, "--type", "f32");
        Assert.True(export.ExitCode == 0, export.StdErr);

        var report = Json(CliRunner.Run("perplexity", "--model", _variants.Model, "--calibration", _variants.Calibration, "--sequence-length", "32", "--gguf", gguf, "--json"));

        var engine = report.GetProperty("perplexity").GetDouble();
        var llamaCpp = report.GetProperty("gguf");
        Assert.Equal(gguf, llamaCpp.GetProperty("file").GetString());
        Assert.Equal(report.GetProperty("tokens").GetInt64(), llamaCpp.GetProperty("tokens").GetInt64());
        Assert.InRange(Math.Abs(llamaCpp.GetProperty("perplexity").GetDouble() - engine) / engine, 0, 1e-3);
        Assert.Equal((llamaCpp.GetProperty("perplexity").GetDouble() - engine) / engine, llamaCpp.GetProperty("relativeDifference").GetDouble(), 12);
    }

    [Fact]
    public void Perplexity_with_gguf_refuses_image_and_text_calibration_with_a_coded_error()
    {
        var model = _variants.Temp("llava");
        TinyLlava.Save(TinyLlava.Random(TinyLlava.Config(vocab: 257)), model);
        Directory.CreateDirectory(_variants.Temp("images"));
        var lines = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var image = new RgbImage(TinyLlava.ImageSize, TinyLlava.ImageSize);
            image.Pixels.AsSpan().Fill((byte)(30 * i));
            ImageFile.WritePng(image, _variants.Temp($"images/{i}.png"));
            lines.Add(JsonSerializer.Serialize(new { image = $"images/{i}.png", text = $"picture {i}." }));
        }
        var calibration = _variants.Temp("images.jsonl");
        File.WriteAllLines(calibration, lines);
        var gguf = _variants.Temp("llava.gguf");

        var result = CliRunner.Run("perplexity", "--model", model, "--calibration", calibration, "--gguf", gguf);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{gguf}: error LOP6306: --gguf scores text calibration only", result.StdErr);
    }
}
