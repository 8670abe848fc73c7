using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Images;
using Lop.Core.Importance;
using Lop.Core.Jobs;
using Lop.Core.Loading;
using Lop.Core.Pruning;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Search;
using Lop.Core.Settings;
using Xunit;

namespace Lop.Core.Tests.Multimodal;

/// <summary>
/// Image+text calibration of a tiny Qwen2.5-VL checkpoint: each image keeps its own size (so its own
/// number of image tokens, between vision start and end), and importance, search and eval run on it.
/// </summary>
public sealed class QwenVlPipelineTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public QwenVlPipelineTests()
    {
        var config = TinyQwenVl.Config(vocab: 257);
        TinyQwenVl.Save(TinyQwenVl.Random(config), _temp.Sub("model"));
        Directory.CreateDirectory(_temp.Sub("images"));
        var lines = new List<string>();
        string[] colours = ["red", "green", "blue", "white"];
        for (var i = 0; i < 24; i++)
        {
            // Two sizes: 12 x 8 (2 x 3 merge blocks) and 12 x 12 (3 x 3).
            var image = new RgbImage(12, i % 2 == 0 ? 8 : 12);
            var colour = i / 2 % 4;
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
    public void Each_image_gets_its_own_number_of_tokens_between_vision_start_and_end()
    {
        var config = TinyQwenVl.Config(vocab: 257);
        var vision = config.QwenVision!;
        var settings = new ImageTextCalibration.ImageSettings(vision.ImageTokenId, 0, null)
        {
            QwenVl = QwenVlImageProcessor.Load(_temp.Sub("model")),
            Before = [vision.VisionStartTokenId],
            After = [vision.VisionEndTokenId],
        };

        var set = ImageTextCalibration.Load(_temp.Sub("calibration.jsonl"), TokenizerLoader.Load(_temp.Sub("model")), settings, maxTextTokens: 32);

        var all = set.Search.Concat(set.HeldOut).ToList();
        Assert.Equal(24, all.Count);
        // 8 x 12 pixels stay 8 x 12 (multiples of 4, 96 pixels within 16..4096): 2 x 3 = 6 tokens; 12 x 12: 3 x 3 = 9.
        foreach (var (height, tokens) in new[] { (8, 6), (12, 9) })
        {
            var sequence = all.First(s => s.Image!.Height == height);
            Assert.Equal(12, sequence.Image!.Width);
            int[] span = [vision.VisionStartTokenId, .. Enumerable.Repeat(vision.ImageTokenId, tokens), vision.VisionEndTokenId];
            Assert.Equal(span, sequence.Tokens.Take(tokens + 2));
            Assert.DoesNotContain(true, sequence.LossMask!.Take(tokens + 2));
            Assert.All(sequence.LossMask!.Skip(tokens + 2), Assert.True);
        }
    }

    [Fact]
    public void Eval_rows_of_a_qwen25_vl_model_have_a_multimodal_gap()
    {
        var progress = new RecordingProgress();
        var calibration = new CalibrationOptions(_temp.Sub("calibration.jsonl"), SequenceLength: 32, HeldOutFraction: 0.5);
        var training = new PredictorTraining([0.4], new SearchSettings { Simulations = 6 }, new PredictorSettings { Epochs = 5 }, TopConfigurations: 4, RewardSequences: 4);

        var report = EvalJob.Run(new EvalRequest(_temp.Sub("model"), calibration, [0.4], training, [PredictorArchitecture.Mlp], CacheFolder: _temp.Sub("cache")), progress);

        Assert.Contains(progress.Lines, l => l.StartsWith("calibration: image+text", StringComparison.Ordinal));
        Assert.NotEqual(0, report.DenseGap!.Value);
        Assert.NotEmpty(report.Rows);
        // Random weights still read the image: a wrong image (of the same size) changes the captions' perplexity.
        Assert.All(report.Rows, r => Assert.NotEqual(0, r.Gap!.Value));
        Assert.All(report.Rows, r => Assert.InRange(r.ImageAccuracy!.Value, 0, 1));
    }

    [Fact]
    public void Prune_with_a_vision_ratio_writes_a_qwen25_vl_variant_with_narrowed_vision_mlps_that_loads_and_runs_on_images()
    {
        var calibration = new CalibrationOptions(_temp.Sub("calibration.jsonl"), SequenceLength: 32, HeldOutFraction: 0.5);

        var report = PruneJob.Run(new PruneRequest(_temp.Sub("model"), calibration, 0.25, null, ImportanceMethod.Activation, _temp.Sub("pruned"), CacheFolder: _temp.Sub("cache"))
        {
            VisionRatio = 0.5,
        }, SilentProgress.Instance);

        using var variant = HfCheckpoint.Open(report.Output);
        // Both blocks' 6 neurons, halved; the decoder's 48 by a quarter.
        Assert.Equal([3, 3], variant.Config.QwenVision!.IntermediateSizes);
        Assert.Equal([36, 36, 36], variant.Config.IntermediateSizes);
        Assert.Equal([3L, 8], variant.Get("visual.blocks.1.mlp.gate_proj.weight").Info.Shape);
        Assert.Equal([3L, 8], variant.Get("visual.blocks.1.mlp.up_proj.weight").Info.Shape);
        Assert.Equal([8L, 3], variant.Get("visual.blocks.1.mlp.down_proj.weight").Info.Shape);
        var manifest = JsonSerializer.Deserialize<VariantManifest>(File.ReadAllText(Path.Combine(report.Output, VariantManifest.FileName)), VariantManifest.Json)!;
        Assert.StartsWith("FFNs pruned by 0.5 per layer (kept 3 3)", manifest.VisionTower);
        using var pruned = (Lop.Core.Models.QwenVlModel)CheckpointLoader.LoadPrunable(variant);
        var config = TinyQwenVl.Config(vocab: 257);
        using var logits = TinyLlava.Logits(pruned, TinyQwenVl.Sequences(config, 2));
        Assert.Equal(257, logits.shape[^1]);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_vision_ratio_outside_zero_to_one_is_a_coded_error_and_writes_nothing(double visionRatio)
    {
        var calibration = new CalibrationOptions(_temp.Sub("calibration.jsonl"), SequenceLength: 32, HeldOutFraction: 0.5);

        var error = Assert.Throws<LopException>(() => PruneJob.Run(
            new PruneRequest(_temp.Sub("model"), calibration, 0.25, null, ImportanceMethod.Activation, _temp.Sub("bad"), CacheFolder: _temp.Sub("cache")) { VisionRatio = visionRatio },
            SilentProgress.Instance));

        Assert.Equal(ErrorCodes.InvalidRatio, error.Code);
        Assert.Contains("--vision-ratio", error.Message);
        Assert.False(Directory.Exists(_temp.Sub("bad")));
    }

    private sealed class RecordingProgress : IJobProgress
    {
        public List<string> Lines { get; } = [];

        public void Report(string stage, long done, long total, string? detail = null)
        {
        }

        public void Info(string message) => Lines.Add(message);
    }
}
