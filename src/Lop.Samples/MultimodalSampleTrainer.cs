using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace Lop.Samples;

/// <summary>
/// Trains the multimodal sample end to end (vision tower, projector and decoder together) with AdamW,
/// warm-up and cosine decay, on freshly rendered scenes every step: the loss is on caption tokens
/// only, so the only way to lower it is to read the image. Deterministic: torch's generator and the
/// scene stream are seeded.
/// </summary>
internal static class MultimodalSampleTrainer
{
    /// <param name="makeSequences">the step's training sequences (images and captions), from the step's seed</param>
    public static LlavaModel Train(
        ModelConfig config,
        MultimodalSampleSettings settings,
        Func<int, IReadOnlyList<CalibrationSequence>> makeSequences,
        IProgress<(int Step, int Steps, double Loss)>? progress = null,
        CancellationToken cancellation = default) =>
        Train(() => new LlavaModel(config), config.NumLayers, settings.Seed, settings.LearningRate, settings.WarmupSteps, settings.Steps,
            makeSequences, progress, cancellation);

    /// <summary>The Qwen2.5-VL sample, on the same schedule: tower, merger and decoder trained together.</summary>
    public static QwenVlModel Train(
        ModelConfig config,
        QwenVlSampleSettings settings,
        Func<int, IReadOnlyList<CalibrationSequence>> makeSequences,
        IProgress<(int Step, int Steps, double Loss)>? progress = null,
        CancellationToken cancellation = default) =>
        Train(() => new QwenVlModel(config), config.NumLayers, settings.Seed, settings.LearningRate, settings.WarmupSteps, settings.Steps,
            makeSequences, progress, cancellation);

    private static TModel Train<TModel>(
        Func<TModel> create,
        int layers,
        long seed,
        double learningRate,
        int warmupSteps,
        int steps,
        Func<int, IReadOnlyList<CalibrationSequence>> makeSequences,
        IProgress<(int Step, int Steps, double Loss)>? progress,
        CancellationToken cancellation)
        where TModel : nn.Module, IPrunableModel
    {
        // Initialisation draws from torch's global generator: hold it, so a parallel draw cannot change the sample.
        using var generator = GlobalTorchGenerator.Seed(seed);
        var model = create();
        SampleTrainer.InitialiseWeights(model, layers);
        SampleTrainer.Optimise(model, learningRate, warmupSteps, steps, Batch, progress, cancellation);
        return model;

        SequenceBatch Batch(int step)
        {
            var padded = Padded(makeSequences(step));
            return SequenceBatch.Create(padded, 0, padded.Count);
        }
    }

    /// <summary>
    /// Captions differ in length; training pads them at the end and masks the padding out of the loss
    /// (causal attention keeps padding from reaching earlier positions). Evaluation never pads.
    /// </summary>
    private static List<CalibrationSequence> Padded(IReadOnlyList<CalibrationSequence> sequences)
    {
        var length = sequences.Max(s => s.Length);
        return sequences.Select(s =>
        {
            var tokens = new int[length];
            var mask = new bool[length];
            Array.Copy(s.Tokens, tokens, s.Length);
            Array.Copy(s.LossMask!, mask, s.Length);
            return s with { Tokens = tokens, LossMask = mask };
        }).ToList();
    }
}
