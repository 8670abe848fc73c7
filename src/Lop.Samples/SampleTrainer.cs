using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Randomness;
using Lop.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lop.Samples;

/// <summary>
/// Trains the sample decoder with AdamW, linear warm-up and cosine decay on random windows of the
/// training tokens. Deterministic: torch's generator and the window sampler are both seeded.
/// </summary>
internal static class SampleTrainer
{
    public static CausalLm Train(
        ModelConfig config,
        SampleModelSettings settings,
        byte[] trainingTokens,
        IProgress<(int Step, int Steps, double Loss)>? progress = null,
        CancellationToken cancellation = default)
    {
        // Initialisation draws from torch's global generator: hold it, so a parallel draw cannot change the sample.
        using var generator = GlobalTorchGenerator.Seed(settings.Seed);
        var model = new CausalLm(config);
        InitialiseWeights(model, config.NumLayers);
        // SplitMix64, not System.Random: the sample must train the same on every .NET version.
        var sampler = new SplitMix64(unchecked((ulong)settings.Seed));
        Optimise(model, settings.LearningRate, settings.WarmupSteps, settings.Steps,
            _ => new SequenceBatch(SampleBatch(trainingTokens, sampler, settings.BatchSize, settings.Context + 1), null, null),
            progress, cancellation);
        return model;
    }

    /// <summary>
    /// The schedule both samples train with: AdamW (weight decay 0.01), linear warm-up then cosine
    /// decay, gradients clipped to norm 1, mean next-token loss over each batch's targets.
    /// </summary>
    /// <param name="batchFor">the training batch of a step</param>
    internal static void Optimise<TModel>(
        TModel model,
        double learningRate,
        int warmupSteps,
        int steps,
        Func<int, SequenceBatch> batchFor,
        IProgress<(int Step, int Steps, double Loss)>? progress,
        CancellationToken cancellation)
        where TModel : nn.Module, IPrunableModel
    {
        model.train();
        using var optimiser = HeldAdam.AdamW(model.parameters(), learningRate, weightDecay: 0.01);
        for (var step = 0; step < steps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            SetLearningRate(optimiser, learningRate, warmupSteps, steps, step);
            optimiser.ZeroGrad();
            var (nll, predicted) = LogLikelihood.BatchNll(model, batchFor(step));
            var loss = nll.DividedBy(predicted);
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimiser.Step();
            if (step % 10 == 0 || step == steps - 1)
            {
                progress?.Report((step + 1, steps, loss.item<float>()));
            }
        }
        model.eval();
    }

    /// <summary>GPT-2 style initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2 x layers); norms 1, biases 0.</summary>
    internal static void InitialiseWeights(nn.Module model, int layers)
    {
        using var noGrad = no_grad();
        var residualStd = 0.02 / Math.Sqrt(2.0 * layers);
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith(".weight", StringComparison.Ordinal) && (name.Contains("norm", StringComparison.Ordinal) || name.Contains("layrnorm", StringComparison.Ordinal)
                || name.Contains("ln_q", StringComparison.Ordinal)))
            {
                parameter.fill_(1.0);
            }
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else
            {
                var std = name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal)
                    || name.EndsWith("out_proj.weight", StringComparison.Ordinal) || name.EndsWith("fc2.weight", StringComparison.Ordinal)
                    ? residualStd
                    : 0.02;
                nn.init.normal_(parameter, 0, std);
            }
        }
    }

    /// <summary>Linear warm-up, then cosine decay to zero at the last step.</summary>
    private static void SetLearningRate(HeldAdam optimiser, double learningRate, int warmupSteps, int steps, int step)
    {
        var rate = step < warmupSteps
            ? learningRate * (step + 1) / warmupSteps
            : learningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - warmupSteps) / Math.Max(1, steps - warmupSteps)));
        optimiser.LearningRate = rate;
    }

    private static Tensor SampleBatch(byte[] tokens, SplitMix64 sampler, int batchSize, int length)
    {
        var flat = new long[batchSize * length];
        for (var b = 0; b < batchSize; b++)
        {
            var start = (int)(sampler.NextUInt64() % (ulong)(tokens.Length - length));
            for (var t = 0; t < length; t++)
            {
                flat[b * length + t] = tokens[start + t];
            }
        }
        return tensor(flat, [batchSize, length]);
    }
}
