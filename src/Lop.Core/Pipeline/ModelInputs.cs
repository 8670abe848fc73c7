using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Models;
using Lop.Core.Settings;
using Lop.Core.Loading;
using static TorchSharp.torch;

namespace Lop.Core.Pipeline;

/// <summary>
/// The inputs most jobs share, opened and validated once: the checkpoint (memory-mapped), its
/// tokenizer, the calibration split. The model's weights are loaded only when a job needs a forward
/// pass, so cache hits cost no tensor work.
/// </summary>
internal sealed class ModelInputs : IDisposable
{
    private readonly ScalarType? _computeType;
    private IPrunableModel? _model;

    private ModelInputs(HfCheckpoint checkpoint, CalibrationSet calibration, string computeDType, ScalarType? computeType)
    {
        Checkpoint = checkpoint;
        Calibration = calibration;
        ComputeDType = computeDType;
        _computeType = computeType;
    }

    public HfCheckpoint Checkpoint { get; }

    public CalibrationSet Calibration { get; }

    /// <summary>
    /// What the calibration fed the model: "image+text", or "text" with the reason when the model has a
    /// vision tower (reported by jobs and written to manifests, so text-only calibration is never silent).
    /// </summary>
    public CalibrationMode CalibrationMode { get; private init; } = CalibrationMode.Text;

    /// <summary>The --dtype as given, normalised ("f32", "bf16", "checkpoint"): part of cache keys.</summary>
    public string ComputeDType { get; }

    public static ModelInputs Open(string modelFolder, CalibrationOptions calibration, string dtype, IJobProgress progress)
    {
        var computeType = DTypes.ParseCompute(dtype);
        var checkpoint = HfCheckpoint.Open(modelFolder);
        try
        {
            checkpoint.ValidateAgainstConfig();
            var tokenizer = TryTokenizer(modelFolder);
            var (set, mode) = LoadCalibration(checkpoint, tokenizer, calibration);
            progress.Info(mode.TextOnlyReason is { } reason
                ? $"calibration: text only: {reason}"
                : $"calibration: {mode.Kind}, {set.Search.Length} search and {set.HeldOut.Length} held-out sequences");
            return new ModelInputs(checkpoint, set, dtype.ToLowerInvariant(), computeType) { CalibrationMode = mode };
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>The dense model (with its vision tower when it has one), loaded on first use.</summary>
    public IPrunableModel Model(IJobProgress progress)
    {
        if (_model is null)
        {
            progress.Info($"loading {Checkpoint.Folder} ({Checkpoint.ParameterCount():N0} parameters)");
            _model = CheckpointLoader.LoadPrunable(Checkpoint, _computeType);
        }
        return _model;
    }

    /// <summary>
    /// An evaluator of this job's model. Jobs that call each other (eval runs search) may each ask for
    /// one: the order the neurons are in is kept by the model's <see cref="PrefixView"/>, which every
    /// evaluator of the model asks.
    /// </summary>
    public PrefixEvaluator Evaluator(ImportanceScores scores, IJobProgress progress) =>
        new(Model(progress), scores);

    /// <summary>The manifest with what calibration ran on and, for a vision-language model, what became of its vision tower.</summary>
    public VariantManifest Describe(VariantManifest manifest, PruningPlan? plan = null) => manifest with
    {
        Calibration = CalibrationMode.Kind,
        TextOnlyReason = CalibrationMode.TextOnlyReason,
        VisionTower = plan?.VisionKeptNeurons is { } vision
            ? $"FFNs pruned by {plan.VisionRatio:0.###} per layer (kept {string.Join(" ", vision.Select(k => k.Length))}); attention, embeddings and {(Checkpoint.Config.QwenVision is null ? "projector" : "merger")} copied unchanged"
            : Checkpoint.Config.Multimodal is not null || Checkpoint.Config.QwenVision is not null
                ? "copied unchanged (vision tower and projector tensors are byte-for-byte those of the source)"
                : null,
    };

    public void Dispose()
    {
        _model?.Dispose();
        Checkpoint.Dispose();
    }

    /// <summary>
    /// Image+text records for a LLaVA or Qwen2-VL model; text (or the text of image+text records, images ignored)
    /// for every other model, with the reason recorded when images or a vision tower go unused.
    /// </summary>
    private static (CalibrationSet Set, CalibrationMode Mode) LoadCalibration(HfCheckpoint checkpoint, ITokenizer? tokenizer, CalibrationOptions options)
    {
        var config = checkpoint.Config;
        var hasImages = ImageTextCalibration.HasImages(options.Path);
        var settings = hasImages ? ImageSettings(checkpoint) : null;
        if (settings is not null)
        {
            var set = ImageTextCalibration.Load(options.Path, tokenizer, settings, options.SequenceLength, options.HeldOutFraction,
                options.Seed, options.MaxSequences, config.VocabSize);
            return (set, CalibrationMode.ImageText);
        }
        var text = CalibrationSet.Load(options.Path, tokenizer, options.SequenceLength, options.HeldOutFraction,
            options.Seed, options.MaxSequences, vocabSize: config.VocabSize);
        var reason = (config.Multimodal is not null || config.QwenVision is not null ? "the calibration file has no images, so the vision tower and projector were not run." : null)
            ?? (hasImages ? "the model has no vision tower; the calibration records' images were ignored and their text used." : null);
        return (text, reason is null ? CalibrationMode.Text : CalibrationMode.TextOnly(reason));
    }

    /// <summary>How a vision-language model takes a calibration record's image; null for a text model.</summary>
    private static ImageTextCalibration.ImageSettings? ImageSettings(HfCheckpoint checkpoint)
    {
        var config = checkpoint.Config;
        if (config.Multimodal is { } multimodal)
        {
            var preprocessor = Images.ImagePreprocessor.Load(checkpoint.Folder, multimodal.Vision.ImageSize);
            return new ImageTextCalibration.ImageSettings(multimodal.ImageTokenIndex, multimodal.ImageTokens, preprocessor);
        }
        if (config.QwenVision is not { } qwen)
        {
            return null;
        }
        var processor = Images.QwenVlImageProcessor.Load(checkpoint.Folder);
        if (processor.PatchSize != qwen.PatchSize || processor.MergeSize != qwen.MergeSize || processor.TemporalPatchSize != qwen.TemporalPatchSize)
        {
            throw new LopException(ErrorCodes.PreprocessorInvalid,
                $"{Images.ImagePreprocessor.FileName} patches by {processor.PatchSize} (merge {processor.MergeSize}, temporal {processor.TemporalPatchSize}) "
                + $"but the vision tower by {qwen.PatchSize} (merge {qwen.MergeSize}, temporal {qwen.TemporalPatchSize}); they must agree.",
                Path.Combine(checkpoint.Folder, Images.ImagePreprocessor.FileName));
        }
        // Qwen2-VL's chat template puts each image's tokens between vision start and vision end.
        return new ImageTextCalibration.ImageSettings(qwen.ImageTokenId, 0, null)
        {
            QwenVl = processor,
            Before = [qwen.VisionStartTokenId],
            After = [qwen.VisionEndTokenId],
        };
    }

    /// <summary>Pre-tokenized calibration needs no tokenizer; text calibration without one fails later with LOP3005.</summary>
    private static ITokenizer? TryTokenizer(string modelFolder)
    {
        try
        {
            return TokenizerLoader.Load(modelFolder);
        }
        catch (LopException e) when (e.Code == ErrorCodes.TokenizerUnavailable)
        {
            return null;
        }
    }
}
