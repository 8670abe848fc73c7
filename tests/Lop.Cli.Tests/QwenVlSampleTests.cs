using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Formats;
using Lop.Core.Loading;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Tests;
using Lop.Samples;

namespace Lop.Cli.Tests;

/// <summary>
/// The Qwen2.5-VL multimodal sample at tiny settings (a few steps): the folder it writes loads in the
/// engine as a Qwen2.5-VL model, its calibration drives eval with a gap in every row, the same settings
/// reuse it, and training is deterministic.
/// </summary>
public sealed class QwenVlSampleTests : IDisposable
{
    private static readonly QwenVlSampleSettings Tiny = new()
    {
        ImageSize = 56,
        WindowSize = 28,
        VisionLayers = 2,
        VisionHidden = 32,
        VisionIntermediate = 64,
        VisionHeads = 2,
        Layers = 2,
        HiddenSize = 32,
        IntermediateSize = 64,
        Heads = 2,
        KvHeads = 1,
        BatchSize = 4,
        Steps = 3,
        WarmupSteps = 1,
        CalibrationRecords = 32,
        TestScenes = 2,
    };

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Writes_a_qwen25_vl_folder_whose_calibration_drives_eval_and_is_reused()
    {
        var folder = _temp.Sub("sample");
        var report = QwenVlSampleJob.Run(folder, Tiny, force: false, new SilentProgress());
        Assert.False(report.FromCache);
        Assert.True(double.IsFinite(report.Gap), $"gap {report.Gap}");

        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(report.ModelFolder, "config.json"))).RootElement;
        Assert.Equal("Qwen2_5_VLForConditionalGeneration", config.GetProperty("architectures")[0].GetString());
        using (var checkpoint = HfCheckpoint.Open(report.ModelFolder))
        {
            var vision = checkpoint.Config.QwenVision!;
            Assert.True(vision.Windowed);
            Assert.Equal([Tiny.VisionLayers - 1], vision.FullAttentionBlocks);
            // The image, vision start and vision end ids follow the 256 bytes, inside the vocabulary.
            Assert.Equal([256, 257, 258], new[] { vision.ImageTokenId, vision.VisionStartTokenId, vision.VisionEndTokenId });
            Assert.Equal(259, checkpoint.Config.VocabSize);
            using var model = CheckpointLoader.LoadPrunable(checkpoint) as QwenVlModel;
            Assert.NotNull(model);
        }
        Assert.Equal(ByteTokenizer.Instance.Name, TokenizerLoader.Load(report.ModelFolder).Name);
        Assert.Equal(Tiny.CalibrationRecords, File.ReadLines(report.CalibrationFile).Count(l => l.Length > 0));
        Assert.Equal(Tiny.TestScenes, File.ReadLines(Path.Combine(folder, MultimodalSampleJob.TestScenesFolder, "captions.jsonl")).Count());

        var result = CliRunner.Run("eval", "--model", report.ModelFolder, "--calibration", report.CalibrationFile, "--cache", _temp.Sub("cache"),
            "--eval-budgets", "0.4", "--budgets", "0.4", "--simulations", "6", "--reward-sequences", "4", "--epochs", "5", "--predictors", "transformer", "--no-fresh-search", "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("calibration: image+text", result.StdErr);
        var rows = JsonDocument.Parse(result.StdOut).RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Number, r.GetProperty("gap").ValueKind));
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Number, r.GetProperty("imageAccuracy").ValueKind));

        var written = File.GetLastWriteTimeUtc(Path.Combine(report.ModelFolder, HfCheckpoint.SingleFile));
        var again = QwenVlSampleJob.Run(folder, Tiny, force: false, new SilentProgress());
        Assert.True(again.FromCache);
        Assert.Equal(report.SettingsHash, again.SettingsHash);
        Assert.Equal(report.Gap, again.Gap);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(report.ModelFolder, HfCheckpoint.SingleFile)));

        var other = QwenVlSampleJob.Run(folder, Tiny with { Steps = 4 }, force: false, new SilentProgress());
        Assert.False(other.FromCache);
        Assert.NotEqual(report.SettingsHash, other.SettingsHash);
    }

    [Fact]
    public void Trains_the_same_weights_twice()
    {
        var a = QwenVlSampleJob.Run(_temp.Sub("a"), Tiny, force: false, new SilentProgress());
        var b = QwenVlSampleJob.Run(_temp.Sub("b"), Tiny, force: false, new SilentProgress());
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.ModelFolder, HfCheckpoint.SingleFile)), File.ReadAllBytes(Path.Combine(b.ModelFolder, HfCheckpoint.SingleFile)));
        Assert.Equal(a.Gap, b.Gap);
    }

    [Theory]
    [InlineData("--out", "x")]
    [InlineData("--out", "x", "--multimodal")]
    [InlineData("--out", "x", "--multimodal", "--architecture", "qwen2.5-vl")]
    public void The_text_and_multimodal_samples_parse_without_errors(params string[] arguments)
    {
        var parsed = Lop.Cli.Commands.SampleModelCommand.Create().Parse(arguments);
        Assert.Empty(parsed.Errors);
    }

    [Fact]
    public void Architecture_needs_the_multimodal_sample()
    {
        var result = CliRunner.Run("sample-model", "--architecture", "qwen2.5-vl", "--out", _temp.Sub("x"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("chooses the multimodal sample's architecture; add --multimodal", result.StdErr + result.StdOut);
        Assert.False(Directory.Exists(_temp.Sub("x")));
    }
}
