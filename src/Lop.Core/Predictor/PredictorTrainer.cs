using System.Diagnostics;
using System.Globalization;
using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Randomness;
using Lop.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// Fits a predictor to (budget, ratios) samples: MSE, Adam, shuffled mini-batches, a fixed number of
/// epochs, as in the paper. Deterministic for a seed on one machine: a private torch generator seeds the
/// weights, SplitMix64 the batch order (so the shuffle does not depend on the .NET version), and with
/// dropout on, torch's global generator, seeded and held here (<see cref="GlobalTorchGenerator"/>), draws the masks.
/// </summary>
public static class PredictorTrainer
{
    public static TrainedPredictor Train(
        IReadOnlyList<(double Budget, double[] Ratios)> samples,
        int layers,
        PredictorSettings settings,
        PredictorProvenance? provenance = null,
        IProgress<(int Epoch, int Epochs, double Loss)>? progress = null,
        CancellationToken cancellation = default)
    {
        Validate(samples, layers, settings, provenance);
        Native.TorchRuntime.EnsureLoaded();
        using var budgets = tensor(samples.Select(s => (float)s.Budget).ToArray());
        using var ratios = tensor(samples.SelectMany(s => s.Ratios).Select(r => (float)r).ToArray(), [samples.Count, layers]);

        // Dropout masks come from torch's global generator (the weights do not: see PredictorInit), so a
        // training with dropout holds it: another training in parallel would change its masks.
        using var masks = settings.Dropout > 0 ? GlobalTorchGenerator.Seed(settings.Seed) : null;
        var clock = Stopwatch.StartNew();
        var network = PredictorNetwork.Create(layers, settings);
        try
        {
            network.train();
            using var optimiser = HeldAdam.Adam(network.parameters(), settings.LearningRate);
            var shuffler = new SplitMix64(unchecked((ulong)settings.Seed));
            var order = Enumerable.Range(0, samples.Count).Select(i => (long)i).ToArray();
            for (var epoch = 0; epoch < settings.Epochs; epoch++)
            {
                cancellation.ThrowIfCancellationRequested();
                shuffler.Shuffle(order);
                double total = 0;
                for (var start = 0; start < order.Length; start += settings.BatchSize)
                {
                    using var scope = NewDisposeScope();
                    var count = Math.Min(settings.BatchSize, order.Length - start);
                    var index = tensor(order.AsSpan(start, count).ToArray());
                    var batchBudgets = budgets.index_select(0, index);
                    var batchRatios = ratios.index_select(0, index);
                    optimiser.ZeroGrad();
                    var loss = nn.functional.mse_loss(network.TrainingForward(batchBudgets, batchRatios), batchRatios);
                    loss.backward();
                    optimiser.Step();
                    total += loss.item<float>() * count;
                }
                progress?.Report((epoch + 1, settings.Epochs, total / order.Length));
            }
            network.eval();
            var trainingSeconds = clock.Elapsed.TotalSeconds;
            var metadata = new PredictorMetadata
            {
                Settings = settings,
                LayerCount = layers,
                LayerWidths = provenance?.LayerWidths.ToArray() ?? [],
                TrainingBudgets = samples.Select(s => s.Budget).Distinct().Order().ToArray(),
                DatasetVersion = provenance?.DatasetVersion,
                ModelFingerprint = provenance?.ModelFingerprint,
                FinalLoss = InferenceLoss(network, budgets, ratios),
                TrainingSeconds = trainingSeconds,
            };
            return new TrainedPredictor(network, metadata);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The loss of what Predict returns: for the autoregressive network that is its own ratios fed back, not the teacher-forced loss training saw.</summary>
    private static double InferenceLoss(PredictorNetwork network, Tensor budgets, Tensor ratios)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        return nn.functional.mse_loss(network.forward(budgets), ratios).item<float>();
    }

    private static void Validate(IReadOnlyList<(double Budget, double[] Ratios)> samples, int layers, PredictorSettings settings, PredictorProvenance? provenance)
    {
        if (layers < 1)
        {
            throw new LopException(ErrorCodes.InvalidArgument, $"a predictor needs at least one layer, not {layers}.");
        }
        if (samples.Count == 0)
        {
            throw new LopException(ErrorCodes.InvalidArgument, "the predictor has no (budget, ratios) samples to learn from.");
        }
        if (settings.Epochs < 1 || settings.BatchSize < 1 || settings.Hidden < 1 || settings.Layers < 1
            || !(settings.LearningRate > 0) || !(settings.Dropout >= 0 && settings.Dropout < 1))
        {
            throw new LopException(ErrorCodes.InvalidArgument,
                $"predictor settings out of range ({settings}); epochs, batch size, hidden and layers must be positive, the learning rate above 0, dropout in [0, 1).");
        }
        if (settings.Architecture is PredictorArchitecture.Transformer or PredictorArchitecture.Encoder
            && (settings.Heads < 1 || settings.Hidden % settings.Heads != 0))
        {
            throw new LopException(ErrorCodes.InvalidArgument, $"{settings.Heads} attention heads do not divide a hidden size of {settings.Hidden}.");
        }
        if (provenance is not null && provenance.LayerWidths.Length != layers)
        {
            throw new LopException(ErrorCodes.RatioCountMismatch, $"the provenance lists {provenance.LayerWidths.Length} layer widths for a {layers}-layer predictor.");
        }
        for (var i = 0; i < samples.Count; i++)
        {
            var (budget, ratios) = samples[i];
            if (ratios.Length != layers)
            {
                throw new LopException(ErrorCodes.RatioCountMismatch, $"predictor sample {i} has {ratios.Length} ratios for a {layers}-layer model.");
            }
            var bad = Array.FindIndex(ratios, r => !double.IsFinite(r) || r < 0 || r > 1);
            if (!double.IsFinite(budget) || budget < 0 || budget > 1 || bad >= 0)
            {
                var value = bad >= 0 ? $"ratio {ratios[bad].ToString(CultureInfo.InvariantCulture)} of layer {bad}" : $"budget {budget.ToString(CultureInfo.InvariantCulture)}";
                throw new LopException(ErrorCodes.InvalidRatio, $"predictor sample {i} has {value}; budgets and ratios are fractions from 0 to 1.");
            }
        }
    }
}
