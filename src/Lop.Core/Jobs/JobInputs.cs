using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Pruning;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Jobs;

/// <summary>
/// The inputs most jobs share, opened and validated once: the checkpoint (memory-mapped), its
/// tokenizer, the calibration split. The model's weights are loaded only when a job needs a forward
/// pass, so cache hits cost no tensor work.
/// </summary>
internal sealed class JobInputs : IDisposable
{
    private readonly ScalarType? _computeType;
    private CausalLm? _model;
    private PrefixEvaluator? _evaluator;

    /// <summary>Importance once obtained in this job (scores index neurons in the checkpoint's order).</summary>
    internal (ImportanceScores Scores, string File, bool FromCache)? Importance { get; set; }

    private JobInputs(HfCheckpoint checkpoint, CalibrationSet calibration, string computeDType, ScalarType? computeType)
    {
        Checkpoint = checkpoint;
        Calibration = calibration;
        ComputeDType = computeDType;
        _computeType = computeType;
    }

    public HfCheckpoint Checkpoint { get; }

    public CalibrationSet Calibration { get; }

    /// <summary>The --dtype as given, normalised ("f32", "bf16", "checkpoint"): part of cache keys.</summary>
    public string ComputeDType { get; }

    public static JobInputs Open(string modelFolder, CalibrationOptions calibration, string dtype)
    {
        var computeType = DTypes.ParseCompute(dtype);
        var checkpoint = HfCheckpoint.Open(modelFolder);
        try
        {
            checkpoint.ValidateAgainstConfig();
            var tokenizer = TryTokenizer(modelFolder);
            var set = CalibrationSet.Load(
                calibration.Path, tokenizer, calibration.SequenceLength, calibration.HeldOutFraction,
                calibration.Seed, calibration.MaxSequences, vocabSize: checkpoint.Config.VocabSize);
            return new JobInputs(checkpoint, set, dtype.ToLowerInvariant(), computeType);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>The dense model, loaded on first use.</summary>
    public CausalLm Model(IJobProgress progress)
    {
        if (_model is null)
        {
            progress.Info($"loading {Checkpoint.Folder} ({Checkpoint.ParameterCount():N0} parameters)");
            _model = CheckpointLoader.Load(Checkpoint, _computeType);
        }
        return _model;
    }

    /// <summary>
    /// The one evaluator of this job's model. Jobs that call each other (eval runs search) share it,
    /// because it tracks the order the model's neurons are in; a second one would sort them again.
    /// </summary>
    public PrefixEvaluator Evaluator(ImportanceScores scores, IJobProgress progress) =>
        _evaluator ??= new PrefixEvaluator(Model(progress), scores);

    public void Dispose()
    {
        _model?.Dispose();
        Checkpoint.Dispose();
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
