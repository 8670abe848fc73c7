using System.Text.Json;
using Lop.Core.Formats;
using Lop.Core.Images;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>
/// The whole pipeline on a tiny LLaVA checkpoint with image+text calibration (PNG files beside a
/// JSONL): eval reports a gap per row, and variants keep the vision tower byte for byte.
/// </summary>
public sealed class MultimodalPipelineTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public MultimodalPipelineTests()
    {
        var config = TinyLlava.Config(vocab: 257);
        TinyLlava.Save(TinyLlava.Random(config), _temp.Sub("model"));
        Directory.CreateDirectory(_temp.Sub("images"));
        var lines = new List<string>();
        string[] colours = ["red", "green", "blue", "white"];
        for (var i = 0; i < 24; i++)
        {
            var image = new RgbImage(TinyLlava.ImageSize, TinyLlava.ImageSize);
            var colour = i % 4;
            for (var y = 0; y < image.Height; y++)
            {
                for (var x = 0; x < image.Width; x++)
                {
                    image[x, y] = colour switch { 0 => (220, 20, 20), 1 => (20, 200, 40), 2 => (30, 40, 230), _ => (240, 240, 240) };
                }
            }
            ImageFile.WritePng(image, _temp.Sub($"images/{i:D2}.png"));
            lines.Add(JsonSerializer.Serialize(new { image = $"images/{i:D2}.png", text = $"a {colours[colour]} square, number {i}." }));
        }
        File.WriteAllLines(_temp.Sub("calibration.jsonl"), lines);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Eval_rows_gain_a_multimodal_gap()
    {
        var result = CliRunner.Run("eval", "--model", _temp.Sub("model"), "--calibration", _temp.Sub("calibration.jsonl"), "--cache", _temp.Sub("cache"),
            "--eval-budgets", "0.4", "--budgets", "0.4", "--simulations", "6", "--reward-sequences", "4", "--epochs", "5", "--predictors", "transformer", "--no-fresh-search", "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("calibration: image+text", result.StdErr);

        var rows = JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray().ToList();
        Assert.Equal(["uniform", "owl", "flap", "flap-ratios", "mcts", "lop"], rows.Select(r => r.GetProperty("method").GetString()));
        // The gap fields follow the contract's five; the predictor's timing fields come after them.
        Assert.All(rows, r => Assert.Equal(["budget", "method", "perplexity", "seconds", "trainedOn", "gap", "imageAccuracy"], r.EnumerateObject().Select(p => p.Name).Take(7)));
        // Random weights still read the image: a wrong image changes the captions' perplexity.
        Assert.All(rows, r => Assert.NotEqual(0, r.GetProperty("gap").GetDouble()));
        // Its value is checked against a hand count in MultimodalGapTests; the CLI's part is to report it in every row.
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Number, r.GetProperty("imageAccuracy").ValueKind));
    }

    [Fact]
    public void Variants_keep_the_vision_tower_and_state_the_calibration()
    {
        var yaml = _temp.Sub("lop.yaml");
        File.WriteAllText(yaml, """
            model: model
            calibration:
              path: calibration.jsonl
            search:
              budgets: [0.3, 0.6]
              simulations: 6
              rewardSequences: 4
            predictor:
              epochs: 5
              top: 4
            cache: cache
            targets:
              - name: half
                ratio: 0.5
            """);
        var result = CliRunner.Run("variants", "--config", yaml, "--output", _temp.Sub("out"), "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);

        var folder = Path.Combine(_temp.Sub("out"), "half");
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "lop-manifest.json"))).RootElement;
        Assert.Equal("image+text", manifest.GetProperty("calibration").GetString());
        Assert.False(manifest.TryGetProperty("textOnlyReason", out _));
        using var source = HfCheckpoint.Open(_temp.Sub("model"));
        using var variant = HfCheckpoint.Open(folder);
        var vision = source.TensorNames.Where(n => !n.StartsWith("language_model.", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(vision);
        foreach (var name in vision)
        {
            var (a, ai) = source.Get(name);
            var (b, bi) = variant.Get(name);
            Assert.True(a.Span(ai, 0, (int)ai.ByteLength).SequenceEqual(b.Span(bi, 0, (int)bi.ByteLength)), name);
        }
        Assert.True(variant.Config.IntermediateSizes.Sum() < source.Config.IntermediateSizes.Sum());
    }
}
