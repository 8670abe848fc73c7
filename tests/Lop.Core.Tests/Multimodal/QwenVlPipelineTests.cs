using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Images;
using Lop.Core.Jobs;
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

    private sealed class RecordingProgress : IJobProgress
    {
        public List<string> Lines { get; } = [];

        public void Report(string stage, long done, long total, string? detail = null)
        {
        }

        public void Info(string message) => Lines.Add(message);
    }
}
