using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Formats;
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
