using Lop.Core.Tests.Pruning;
using System.Text.Json.Nodes;
using Lop.Core.Formats;
using Lop.Core.Jobs;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Settings;
using Xunit;
using Lop.Core.Loading;
using Lop.Core.Calibration;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

/// <summary>
/// Qwen2-VL folders: the decoder is found under either naming, its FFNs pruned, the vision tower
/// (whose FFNs are pruned only with --vision-ratio) copied byte for byte, and text-only calibration stated.
/// </summary>
public class QwenVlCheckpointTests
{
    private static readonly string[] VisualTensors = ["visual.patch_embed.proj.weight", "visual.blocks.0.mlp.fc1.weight", "visual.merger.mlp.0.weight"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_decoder_is_pruned_and_the_vision_tower_copied_unchanged(bool newNames)
    {
        using var temp = new TempFolder();
        var config = TinyQwenVl.Config(windowed: false);
        using var model = TinyQwenVl.Random(config);
        var source = TinyQwenVl.Save(model, temp.Sub("source"), newNames ? CheckpointLayout.QwenVl : CheckpointLayout.QwenVlLegacy);

        using var checkpoint = HfCheckpoint.Open(source);
        Assert.Equal("Qwen2VLForConditionalGeneration", checkpoint.Config.Architecture);
        Assert.Equal(newNames ? "model.language_model." : "model.", checkpoint.Config.DecoderPrefix);
        using var loaded = CheckpointLoader.Load(checkpoint);
        var tokens = TinyModels.Tokens(2, 7, config.VocabSize);
        Assert.True(TinyModels.Logits(model.LanguageModel, tokens).eq(TinyModels.Logits(loaded, tokens)).all().item<bool>());

        var plan = PruningPlan.Create(TestCheckpoints.Importance(model.LanguageModel, config.VocabSize), [0.5, 0.5, 0.25]);
        TestVariants.Write(checkpoint, plan, source, temp.Sub("variant"));

        using var variant = HfCheckpoint.Open(temp.Sub("variant"));
        Assert.Equal([24, 24, 36], variant.Config.IntermediateSizes);
        foreach (var name in VisualTensors.Select(n => newNames ? "model." + n : n))
        {
            var (a, ai) = checkpoint.Get(name);
            var (b, bi) = variant.Get(name);
            Assert.True(a.Span(ai, 0, (int)ai.ByteLength).SequenceEqual(b.Span(bi, 0, (int)bi.ByteLength)), name);
        }
        Assert.Equal(3, variant.RawConfig["text_config"]!["intermediate_size"]!.AsArray().Count);
        using var pruned = (QwenVlModel)CheckpointLoader.LoadPrunable(variant);
        Assert.Equal([24L, 24, 36], pruned.Prefix.Widths);
    }

    [Fact]
    public void Text_only_calibration_of_a_qwen_vl_model_is_reported_and_written_to_the_manifest()
    {
        using var temp = new TempFolder();
        var (source, calibration) = QwenWithTextCalibration(temp);
        var progress = new RecordingProgress();

        PruneJob.Run(new PruneRequest(source, new CalibrationOptions(calibration, SequenceLength: 32), 0.5, null, Lop.Core.Importance.ImportanceMethod.Activation, temp.Sub("variant"), CacheFolder: temp.Sub("cache")), progress);

        Assert.Contains(progress.Lines, l => l.StartsWith("calibration: text only: the calibration file has no images", StringComparison.Ordinal));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("variant"), VariantManifest.FileName)))!;
        Assert.Equal("text", manifest["calibration"]!.GetValue<string>());
        Assert.Contains("no images", manifest["textOnlyReason"]!.GetValue<string>());
        Assert.StartsWith("copied unchanged", manifest["visionTower"]!.GetValue<string>());
    }

    [Fact]
    public void A_vision_ratio_with_text_only_calibration_is_a_coded_error_that_asks_for_images_and_writes_nothing()
    {
        using var temp = new TempFolder();
        var (source, calibration) = QwenWithTextCalibration(temp);

        var error = Assert.Throws<Lop.Core.Errors.LopException>(() => PruneJob.Run(
            new PruneRequest(source, new CalibrationOptions(calibration, SequenceLength: 32), 0.5, null, Lop.Core.Importance.ImportanceMethod.Activation, temp.Sub("variant"), CacheFolder: temp.Sub("cache"))
            {
                VisionRatio = 0.5,
            },
            new RecordingProgress()));

        Assert.Equal(Lop.Core.Errors.ErrorCodes.InvalidArgument, error.Code);
        Assert.Contains("image+text calibration", error.Message);
        Assert.False(Directory.Exists(temp.Sub("variant")));
    }

    /// <summary>A tiny Qwen2-VL folder (byte vocabulary) and a calibration file of text alone.</summary>
    private static (string Source, string Calibration) QwenWithTextCalibration(TempFolder temp)
    {
        using var model = TinyQwenVl.Random(TinyQwenVl.Config(vocab: 256));
        var source = TinyQwenVl.Save(model, temp.Sub("source"));
        var calibration = temp.Sub("calibration.txt");
        File.WriteAllText(calibration, string.Concat(Enumerable.Repeat("text for the calibration of a vision language model. ", 40)));
        return (source, calibration);
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
