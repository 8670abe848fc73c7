using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lop.Core.Calibration;
using Lop.Core.Images;
using Lop.Core.Loading;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Settings;
using Lop.Samples.Scenes;

namespace Lop.Samples;

public sealed record QwenVlSampleReport
{
    public required string Folder { get; init; }
    public required string ModelFolder { get; init; }
    public required string CalibrationFile { get; init; }
    public required string SettingsHash { get; init; }
    public required QwenVlSampleSettings Settings { get; init; }
    public required long Parameters { get; init; }
    public required long VisionParameters { get; init; }
    public required int CalibrationRecords { get; init; }
    public required double TrainSeconds { get; init; }
    public required double FinalTrainingLoss { get; init; }

    /// <summary>Held-out caption perplexity with each record's own image.</summary>
    public required double TrueImagePerplexity { get; init; }

    /// <summary>The same captions scored with another record's image.</summary>
    public required double WrongImagePerplexity { get; init; }

    public double Gap => WrongImagePerplexity - TrueImagePerplexity;

    /// <summary>Share of held-out captions likelier with their own image than with the wrong one.</summary>
    public required double ImageAccuracy { get; init; }

    /// <summary>Held-out caption perplexity when only decoder layer l loses half its FFN (activation importance).</summary>
    public required double[] LayerSensitivity { get; init; }

    public bool FromCache { get; init; }
}

/// <summary>
/// <c>dotnet lop sample-model --multimodal --architecture qwen2.5-vl</c>: the LLaVA sample's scenes and
/// schedule (<see cref="MultimodalSampleJob"/>) on a small Qwen2.5-VL-architecture model, written as a
/// Qwen2_5_VLForConditionalGeneration folder (config.json, model.safetensors, a Qwen2VLImageProcessor
/// preprocessor_config.json, the byte tokenizer) beside image+text calibration, with the held-out gap
/// between true-image and wrong-image caption perplexity.
/// </summary>
public static class QwenVlSampleJob
{
    public const string Architecture = "qwen2.5-vl";

    /// <summary>Bytes 0..255, then the image token, vision start and vision end.</summary>
    internal const int ImageTokenId = 256;
    internal const int VisionStartTokenId = 257;
    internal const int VisionEndTokenId = 258;
    private const int ReportSchema = 1;

    public static QwenVlSampleReport Run(string folder, QwenVlSampleSettings settings, bool force, IJobProgress progress, CancellationToken cancellation = default)
    {
        var settingsHash = SampleFolder.SettingsHash(settings, "qwen2.5-vl " + ReportSchema);
        var here = Path.GetFullPath(folder);
        return SampleFolder.Produce<QwenVlSampleReport>(folder, settingsHash, force, r => r.SettingsHash,
            r => r with { FromCache = true, Folder = here, ModelFolder = Path.Combine(here, "model"), CalibrationFile = Path.Combine(here, MultimodalSampleJob.CalibrationFileName) },
            (work, final) => Build(work, final, settings, settingsHash, progress, cancellation), progress);
    }

    internal static ModelConfig Config(QwenVlSampleSettings settings)
    {
        var headDim = settings.HiddenSize / settings.Heads;
        // M-RoPE splits the rotary half-dimension as Qwen's 16:24:24 does: a quarter for time, the rest shared by height and width.
        var time = headDim / 2 / 4;
        var height = (headDim / 2 - time) / 2;
        return new ModelConfig
        {
            Architecture = MultimodalConfigReader.Qwen25Vl,
            Layout = CheckpointLayout.QwenVlLegacy,
            HiddenSize = settings.HiddenSize,
            IntermediateSizes = Enumerable.Repeat(settings.IntermediateSize, settings.Layers).ToArray(),
            NumLayers = settings.Layers,
            NumHeads = settings.Heads,
            NumKvHeads = settings.KvHeads,
            HeadDim = headDim,
            VocabSize = VisionEndTokenId + 1,
            MaxPositionEmbeddings = 256,
            RmsNormEps = 1e-6,
            RopeTheta = 10000,
            AttentionBias = true,
            QwenVision = new QwenVisionConfig
            {
                Windowed = true,
                Depth = settings.VisionLayers,
                Width = settings.VisionHidden,
                IntermediateSizes = Enumerable.Repeat(settings.VisionIntermediate, settings.VisionLayers).ToArray(),
                NumHeads = settings.VisionHeads,
                OutHiddenSize = settings.HiddenSize,
                PatchSize = settings.PatchSize,
                MergeSize = settings.MergeSize,
                TemporalPatchSize = 2,
                WindowSize = settings.WindowSize,
                FullAttentionBlocks = [settings.VisionLayers - 1],
                HiddenAct = "silu",
                ImageTokenId = ImageTokenId,
                VisionStartTokenId = VisionStartTokenId,
                VisionEndTokenId = VisionEndTokenId,
                MropeSection = [time, height, headDim / 2 - time - height],
            },
        };
    }

    /// <summary>
    /// Qwen2VLImageProcessor with the Hub's CLIP mean/std; min_pixels 56 x 56 and max_pixels the scene's
    /// area, so rendered scenes pass unresized and larger photos shrink to at most the sample's token count.
    /// </summary>
    internal static JsonObject PreprocessorJson(QwenVlSampleSettings settings) => new()
    {
        ["image_processor_type"] = "Qwen2VLImageProcessor",
        ["do_resize"] = true,
        ["do_rescale"] = true,
        ["rescale_factor"] = 1.0 / 255,
        ["do_normalize"] = true,
        ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
        ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
        ["do_convert_rgb"] = true,
        ["resample"] = 3,
        ["min_pixels"] = Math.Min(QwenVlImageProcessor.HubMinPixels, (long)settings.ImageSize * settings.ImageSize),
        ["max_pixels"] = (long)settings.ImageSize * settings.ImageSize,
        ["patch_size"] = settings.PatchSize,
        ["temporal_patch_size"] = 2,
        ["merge_size"] = settings.MergeSize,
    };

    private static QwenVlSampleReport Build(string work, string final, QwenVlSampleSettings settings, string settingsHash, IJobProgress progress, CancellationToken cancellation)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        var config = Config(settings);
        var preprocessorJson = PreprocessorJson(settings);
        var imageSettings = new ImageTextCalibration.ImageSettings(ImageTokenId, 0, null)
        {
            // Read back from its text, as the engine reads the written file.
            QwenVl = QwenVlImageProcessor.FromJson((JsonObject)JsonNode.Parse(preprocessorJson.ToJsonString())!, "preprocessor_config.json"),
            Before = [VisionStartTokenId],
            After = [VisionEndTokenId],
        };

        var clock = Stopwatch.StartNew();
        double lastLoss = double.NaN;
        // The LLaVA sample's scene streams: training seeds below 2^32, calibration 2^40 + seed, test scenes 2^41 + seed.
        var model = MultimodalSampleTrainer.Train(config, settings,
            step => SceneStreams.TrainingSequences(settings.Seed, step, settings.BatchSize, settings.ImageSize, imageSettings, MultimodalSampleJob.CaptionPrefix),
            new SampleModelJob.StepProgress(progress, loss => lastLoss = loss), cancellation);
        var trainSeconds = clock.Elapsed.TotalSeconds;

        var modelFolder = Path.Combine(work, "model");
        CheckpointSaver.Save(model, modelFolder);
        ByteTokenizer.WriteConfig(modelFolder);
        File.WriteAllText(Path.Combine(modelFolder, "preprocessor_config.json"), preprocessorJson.ToJsonString(new() { WriteIndented = true }) + "\n");
        var calibrationPath = SceneStreams.WriteCalibration(work, settings.CalibrationRecords, settings.Seed, settings.ImageSize, MultimodalSampleJob.CaptionPrefix);
        SceneStreams.WriteTestScenes(work, settings.TestScenes, settings.Seed, settings.ImageSize);

        var calibration = ImageTextCalibration.Load(calibrationPath, ByteTokenizer.Instance, imageSettings, CalibrationOptions.DefaultSequenceLength,
            CalibrationOptions.DefaultHeldOutFraction, CalibrationOptions.DefaultSeed, vocabSize: config.VocabSize);
        var (gap, sensitivity) = MultimodalSampleChecks.Measure(model, calibration, progress, cancellation);

        var all = model.parameters().Sum(p => p.numel());
        return new QwenVlSampleReport
        {
            Folder = final,
            ModelFolder = Path.Combine(final, "model"),
            CalibrationFile = Path.Combine(final, MultimodalSampleJob.CalibrationFileName),
            SettingsHash = settingsHash,
            Settings = settings,
            Parameters = all,
            VisionParameters = all - model.LanguageModel.parameters().Sum(p => p.numel()),
            CalibrationRecords = settings.CalibrationRecords,
            TrainSeconds = trainSeconds,
            FinalTrainingLoss = lastLoss,
            TrueImagePerplexity = gap.TrueImagePerplexity,
            WrongImagePerplexity = gap.WrongImagePerplexity,
            ImageAccuracy = gap.ImageAccuracy,
            LayerSensitivity = sensitivity,
        };
    }
}
