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
            ? $"FFNs pruned by {plan.VisionRatio:0.###} per layer (kept {string.Join(" ", vision.Select(k => k.Length))}); attention, embeddings and projector copied unchanged"
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
    /// Image+text records for a LLaVA model; text (or the text of image+text records, images ignored)
    /// for every other model, with the reason recorded when images or a vision tower go unused.
    /// </summary>
    private static (CalibrationSet Set, CalibrationMode Mode) LoadCalibration(HfCheckpoint checkpoint, ITokenizer? tokenizer, CalibrationOptions options)
    {
        var config = checkpoint.Config;
        var hasImages = ImageTextCalibration.HasImages(options.Path);
        if (config.Multimodal is { } multimodal && hasImages)
        {
            var preprocessor = Images.ImagePreprocessor.Load(checkpoint.Folder, multimodal.Vision.ImageSize);
            var settings = new ImageTextCalibration.ImageSettings(multimodal.ImageTokenIndex, multimodal.ImageTokens, preprocessor);
            var set = ImageTextCalibration.Load(options.Path, tokenizer, settings, options.SequenceLength, options.HeldOutFraction,
                options.Seed, options.MaxSequences, config.VocabSize);
            return (set, CalibrationMode.ImageText);
        }
        var text = CalibrationSet.Load(options.Path, tokenizer, options.SequenceLength, options.HeldOutFraction,
            options.Seed, options.MaxSequences, vocabSize: config.VocabSize);
        var reason = (config.QwenVision is not null && hasImages
                ? "Qwen2-VL image+text calibration records are not read yet (the model runs images, the calibration loader does not give it Qwen2-VL's variable image sizes); their text was used." : null)
            ?? (config.Multimodal is not null || config.QwenVision is not null ? "the calibration file has no images, so the vision tower and projector were not run." : null)
            ?? (hasImages ? "the model has no vision tower; the calibration records' images were ignored and their text used." : null);
        return (text, reason is null ? CalibrationMode.Text : CalibrationMode.TextOnly(reason));
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
