using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lop.Core.Calibration;
using Lop.Core.Images;
using Lop.Core.Jobs;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Settings;
using Lop.Samples.Scenes;
using Lop.Core.Loading;

namespace Lop.Samples;

public sealed record MultimodalSampleReport
{
    public required string Folder { get; init; }
    public required string ModelFolder { get; init; }
    public required string CalibrationFile { get; init; }
    public required string SettingsHash { get; init; }
    public required MultimodalSampleSettings Settings { get; init; }
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

    /// <summary>The engine's greedy captions of the test scenes (<see cref="SceneCaptioner"/>), against their true captions.</summary>
    public required SceneCaptionScore TestCaptions { get; init; }

    public bool FromCache { get; init; }
}

/// <summary>
/// <c>dotnet lop sample-model --multimodal</c>: trains a small LLaVA-architecture model on rendered
/// scenes, writes it as a Hugging Face LLaVA folder (config.json with text_config/vision_config,
/// model.safetensors, preprocessor_config.json, the byte tokenizer) beside image+text calibration
/// (images/*.png + calibration.jsonl), and measures that it uses its eyes: caption perplexity with
/// the true image against a wrong one.
/// </summary>
public static class MultimodalSampleJob
{
    public const string CalibrationFileName = SceneStreams.CalibrationFileName;

    /// <summary>Folder of scenes no step has seen (neither training nor calibration), for apps that caption them.</summary>
    public const string TestScenesFolder = SceneStreams.TestScenesFolder;
    public const string ReportFile = SampleFolder.ReportFile;
    private const int ImageTokenId = 256;
    private const int ReportSchema = 4;

    /// <summary>
    /// The caption follows the image after a newline, as in LLaVA's own prompts (<c>&lt;image&gt;\n</c>).
    /// It matters for running the sample in llama.cpp: mtmd computes no logits at image positions, so an
    /// app that captions an image reads the first prediction at a text token after it.
    /// </summary>
    public const string CaptionPrefix = "\n";

    public static MultimodalSampleReport Run(string folder, MultimodalSampleSettings settings, bool force, IJobProgress progress, CancellationToken cancellation = default)
    {
        var settingsHash = SampleFolder.SettingsHash(settings, "multimodal " + ReportSchema);
        // A reused sample reports where it is now: the folder may have been moved or copied since it was built.
        var here = Path.GetFullPath(folder);
        return SampleFolder.Produce<MultimodalSampleReport>(folder, settingsHash, force, r => r.SettingsHash,
            r => r with { FromCache = true, Folder = here, ModelFolder = Path.Combine(here, "model"), CalibrationFile = Path.Combine(here, CalibrationFileName) },
            (work, final) => Build(work, final, settings, settingsHash, progress, cancellation), progress);
    }

    internal static ModelConfig Config(MultimodalSampleSettings settings) => new()
    {
        Architecture = "LlavaForConditionalGeneration",
        HiddenSize = settings.HiddenSize,
        IntermediateSizes = Enumerable.Repeat(settings.IntermediateSize, settings.Layers).ToArray(),
        NumLayers = settings.Layers,
        NumHeads = settings.Heads,
        NumKvHeads = settings.KvHeads,
        HeadDim = settings.HiddenSize / settings.Heads,
        VocabSize = ImageTokenId + 1, // bytes, then the image token
        MaxPositionEmbeddings = 256,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        Multimodal = new MultimodalConfig
        {
            ImageTokenIndex = ImageTokenId,
            Vision = new VisionConfig
            {
                ModelType = settings.VisionType,
                HiddenAct = VisionConfig.DefaultHiddenAct(settings.VisionType),
                LayerNormEps = VisionConfig.DefaultLayerNormEps(settings.VisionType),
                HiddenSize = settings.VisionHidden,
                IntermediateSizes = Enumerable.Repeat(settings.VisionIntermediate, settings.VisionLayers).ToArray(),
                NumLayers = settings.VisionLayers,
                NumHeads = settings.VisionHeads,
                ImageSize = settings.ImageSize,
                PatchSize = settings.PatchSize,
            },
        },
    };

    /// <summary>The image processor of the sample's tower, at the sample's image size (no resize needed for rendered scenes, but real photos get one).</summary>
    internal static JsonObject PreprocessorJson(MultimodalSampleSettings settings) => settings.VisionType == VisionConfig.Clip ? ClipPreprocessorJson(settings) : new()
    {
        ["image_processor_type"] = "SiglipImageProcessor",
        ["do_resize"] = true,
        ["size"] = new JsonObject { ["height"] = settings.ImageSize, ["width"] = settings.ImageSize },
        ["do_rescale"] = true,
        ["rescale_factor"] = 1.0 / 255,
        ["do_normalize"] = true,
        ["image_mean"] = new JsonArray(0.5, 0.5, 0.5),
        ["image_std"] = new JsonArray(0.5, 0.5, 0.5),
        ["do_convert_rgb"] = true,
        ["resample"] = 3,
    };

    private static JsonObject ClipPreprocessorJson(MultimodalSampleSettings settings) => new()
    {
        ["image_processor_type"] = "CLIPImageProcessor",
        ["do_resize"] = true,
        ["size"] = new JsonObject { ["shortest_edge"] = settings.ImageSize },
        ["do_center_crop"] = true,
        ["crop_size"] = new JsonObject { ["height"] = settings.ImageSize, ["width"] = settings.ImageSize },
        ["do_rescale"] = true,
        ["rescale_factor"] = 1.0 / 255,
        ["do_normalize"] = true,
        ["image_mean"] = new JsonArray(0.48145466, 0.4578275, 0.40821073),
        ["image_std"] = new JsonArray(0.26862954, 0.26130258, 0.27577711),
        ["do_convert_rgb"] = true,
        ["resample"] = 3,
    };

    private static MultimodalSampleReport Build(string work, string final, MultimodalSampleSettings settings, string settingsHash, IJobProgress progress, CancellationToken cancellation)
    {
        Native.TorchRuntime.EnsureLoaded();
        var config = Config(settings);
        var multimodal = config.Multimodal!;
        var preprocessorJson = PreprocessorJson(settings);
        var preprocessor = ImagePreprocessor.FromJson(preprocessorJson, "preprocessor_config.json");
        var imageSettings = new ImageTextCalibration.ImageSettings(ImageTokenId, multimodal.ImageTokens, preprocessor);

        var clock = Stopwatch.StartNew();
        double lastLoss = double.NaN;
        // Training scenes come from seeds below 2^32; calibration scenes from above, so none is shared.
        var model = MultimodalSampleTrainer.Train(config, settings,
            step => SceneStreams.TrainingSequences(settings.Seed, step, settings.BatchSize, settings.ImageSize, imageSettings, CaptionPrefix),
            new SampleModelJob.StepProgress(progress, loss => lastLoss = loss), cancellation);
        var trainSeconds = clock.Elapsed.TotalSeconds;

        var modelFolder = Path.Combine(work, "model");
        CheckpointSaver.Save(model, modelFolder);
        ByteTokenizer.WriteConfig(modelFolder);
        File.WriteAllText(Path.Combine(modelFolder, "preprocessor_config.json"), preprocessorJson.ToJsonString(new() { WriteIndented = true }) + "\n");
        var calibrationPath = SceneStreams.WriteCalibration(work, settings.CalibrationRecords, settings.Seed, settings.ImageSize, CaptionPrefix);
        SceneStreams.WriteTestScenes(work, settings.TestScenes, settings.Seed, settings.ImageSize);
        var captions = SceneCaptioner.ScoreTestScenes(model, preprocessor, Path.Combine(work, TestScenesFolder), cancellation);
        progress.Info($"sample: the engine's greedy captions of the {captions.Scenes} test scenes: {captions.Exact:P0} exact "
            + $"(count {captions.Count:P0}, colour {captions.Colour:P0}, shape {captions.Shape:P0}, position {captions.Position:P0})");

        var calibration = ImageTextCalibration.Load(calibrationPath, ByteTokenizer.Instance, imageSettings, CalibrationOptions.DefaultSequenceLength,
            CalibrationOptions.DefaultHeldOutFraction, CalibrationOptions.DefaultSeed, vocabSize: config.VocabSize);
        var (gap, sensitivity) = MultimodalSampleChecks.Measure(model, calibration, progress, cancellation);

        var all = model.parameters().Sum(p => p.numel());
        var report = new MultimodalSampleReport
        {
            Folder = final,
            ModelFolder = Path.Combine(final, "model"),
            CalibrationFile = Path.Combine(final, CalibrationFileName),
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
            TestCaptions = captions,
        };
        return report;
    }
}
