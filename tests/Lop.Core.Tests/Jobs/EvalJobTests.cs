using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Jobs;
using Lop.Core.Loading;
using Lop.Core.Models;
using Lop.Core.Pipeline;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Calibration;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Jobs;

/// <summary>eval's numbers are the numbers of real variants: the same job code, in one process, end to end.</summary>
public class EvalJobTests
{
    [Fact]
    public void Eval_scores_each_allocation_exactly_as_the_written_variant_scores()
    {
        using var temp = new TempFolder();
        var config = TinyModels.Config(layers: 4, hidden: 32, intermediate: 48, vocab: 256);
        var model = TestCheckpoints.Save(TinyModels.Random(config), temp.Sub("model"));
        File.WriteAllText(temp.Sub("calibration.txt"), string.Concat(Enumerable.Range(0, 60).Select(i => $"Line {i}: a quick brown fox jumps over the lazy dog. ")));
        var calibration = new CalibrationOptions(temp.Sub("calibration.txt"), SequenceLength: 32);
        var training = new PredictorTraining([0.3, 0.6], new SearchSettings { Simulations = 8 }, new PredictorSettings { Epochs = 10 }, TopConfigurations: 4, RewardSequences: 4);

        // Searching inside eval (nothing cached yet) must not disturb the neuron order eval relies on.
        var report = EvalJob.Run(new EvalRequest(model, calibration, [0.3, 0.5], training, [PredictorArchitecture.Mlp], CacheFolder: temp.Sub("cache")), SilentProgress.Instance);

        foreach (var row in report.Rows.Where(r => r.Method is "uniform" or "flap-ratios" or "mcts" or "lop-mlp"))
        {
            var output = temp.Sub($"variant-{row.Method}-{row.Budget}");
            var pruned = PruneJob.Run(new PruneRequest(model, calibration, null, row.Ratios, ImportanceMethod.Activation, output, CacheFolder: temp.Sub("cache")), SilentProgress.Instance);
            Assert.Equal(row.Kept, pruned.KeptPerLayer);
            var perplexity = PerplexityJob.Run(new PerplexityRequest(output, calibration), SilentProgress.Instance);
            // Same neurons, same code; only the matmul shapes differ (prefix view vs sliced tensors).
            Assert.Equal(1.0, row.Perplexity / perplexity.Perplexity, 5);
        }
        var dense = PerplexityJob.Run(new PerplexityRequest(model, calibration), SilentProgress.Instance);
        Assert.Equal(1.0, report.DensePerplexity / dense.Perplexity, 5);

        // FLAP as its paper prunes and FLAP's ratios alone share the allocation and differ in the neurons and the bias;
        // "flap" scores exactly as a checkpoint FLAP would write: its neurons, and the compensation as down_proj's bias.
        using var pipeline = ModelPipeline.Open(model, calibration, ComputeSettings.DefaultDType, temp.Sub("cache"), SilentProgress.Instance);
        var scores = pipeline.Importance(ComputeSettings.DefaultBatchSize, default).Value;
        foreach (var budget in new[] { 0.3, 0.5 })
        {
            var flap = report.Rows.Single(r => r.Method == "flap" && r.Budget == budget);
            var ratiosOnly = report.Rows.Single(r => r.Method == "flap-ratios" && r.Budget == budget);
            Assert.Equal(ratiosOnly.Kept, flap.Kept);
            Assert.NotEqual(ratiosOnly.Perplexity, flap.Perplexity);
            var compressed = FlapCompressed(model, scores, flap.Kept, temp.Sub($"flap-{budget}"));
            var perplexity = PerplexityJob.Run(new PerplexityRequest(compressed, calibration), SilentProgress.Instance);
            Assert.Equal(1.0, flap.Perplexity / perplexity.Perplexity, 5);
        }
    }

    /// <summary>
    /// FLAP's compression of the FFNs, written independently of the engine's prefix view: each layer keeps its
    /// <paramref name="kept"/>[l] highest fluctuation scores, and down_proj gets the bias sum over removed j of
    /// mean_j x W_down[:, j] (an mlp_bias checkpoint; gate and up biases zero).
    /// </summary>
    private static string FlapCompressed(string denseFolder, ImportanceScores scores, int[] kept, string folder)
    {
        using var checkpoint = HfCheckpoint.Open(denseFolder);
        var dense = CheckpointLoader.Load(checkpoint);
        var config = dense.Config with { IntermediateSizes = kept, MlpBias = true };
        var compressed = new CausalLm(config);
        var denseParameters = dense.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in compressed.named_parameters())
        {
            var layer = name.StartsWith("model.layers.", StringComparison.Ordinal) ? int.Parse(name.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture) : -1;
            var keep = layer < 0 ? null : tensor(scores.Ranking(ImportanceMethod.Flap, layer).Take(kept[layer]).Select(i => (long)i).ToArray());
            if (name.EndsWith("mlp.gate_proj.weight", StringComparison.Ordinal) || name.EndsWith("mlp.up_proj.weight", StringComparison.Ordinal))
            {
                parameter.copy_(denseParameters[name].index_select(0, keep!));
            }
            else if (name.EndsWith("mlp.down_proj.weight", StringComparison.Ordinal))
            {
                parameter.copy_(denseParameters[name].index_select(1, keep!));
            }
            else if (name.EndsWith("mlp.down_proj.bias", StringComparison.Ordinal))
            {
                var down = denseParameters[name.Replace("bias", "weight", StringComparison.Ordinal)].to(ScalarType.Float64);
                var removed = Enumerable.Range(0, (int)down.shape[1]).Except(scores.Ranking(ImportanceMethod.Flap, layer).Take(kept[layer])).ToArray();
                var means = tensor(removed.Select(j => scores.MeanActivations![layer][j]).ToArray(), dtype: ScalarType.Float64);
                parameter.copy_(down.index_select(1, tensor(removed.Select(j => (long)j).ToArray())).matmul(means).to(parameter.dtype));
            }
            else if (name.EndsWith("_proj.bias", StringComparison.Ordinal) && name.Contains(".mlp.", StringComparison.Ordinal))
            {
                parameter.zero_();
            }
            else
            {
                parameter.copy_(denseParameters[name]);
            }
        }
        return TestCheckpoints.Save(compressed, folder);
    }

    [Fact]
    public void Eval_times_a_fresh_search_and_warm_predictions_in_its_own_run_and_skips_the_search_when_asked()
    {
        using var temp = new TempFolder();
        var config = TinyModels.Config(layers: 4, hidden: 32, intermediate: 48, vocab: 256);
        var model = TestCheckpoints.Save(TinyModels.Random(config), temp.Sub("model"));
        File.WriteAllText(temp.Sub("calibration.txt"), string.Concat(Enumerable.Range(0, 60).Select(i => $"Line {i}: a quick brown fox jumps over the lazy dog. ")));
        var calibration = new CalibrationOptions(temp.Sub("calibration.txt"), SequenceLength: 32);
        var training = new PredictorTraining([0.3, 0.6], new SearchSettings { Simulations = 8 }, new PredictorSettings { Epochs = 10 }, TopConfigurations: 4, RewardSequences: 4);
        var request = new EvalRequest(model, calibration, [0.3, 0.5], training, [PredictorArchitecture.Transformer], CacheFolder: temp.Sub("cache"));

        var timed = EvalJob.Run(request, SilentProgress.Instance).Timing!;
        var skipped = EvalJob.Run(request with { FreshSearch = false }, SilentProgress.Instance).Timing!;

        // 0.3 is a training budget, so the budget searched again is 0.5, with the dataset's settings:
        // the uniform root and 8 simulations.
        var fresh = timed.FreshSearch!;
        Assert.Equal(0.5, fresh.Budget);
        Assert.True(fresh.Seconds > 0);
        Assert.Equal(1 + 8, fresh.Evaluations);
        Assert.True(fresh.DatasetSeconds > 0);
        var lop = Assert.Single(timed.Predictors);
        Assert.Equal("lop", lop.Method);
        Assert.True(lop.FirstCallSeconds > 0 && lop.WarmSeconds > 0);
        Assert.True(lop.TrainingSeconds > 0);
        Assert.True(lop.TrainingSearchSeconds > 0);
        Assert.Equal(lop.TrainingSearchSeconds + lop.TrainingSeconds, lop.OneOffSeconds);
        Assert.Equal(fresh.Seconds / lop.WarmSeconds, lop.Speedup);
        Assert.Equal(Payback.BreakEvenBudgets(lop.OneOffSeconds!.Value, fresh.Seconds, lop.WarmSeconds), lop.BreakEvenBudgets);

        Assert.Null(skipped.FreshSearch);
        var cached = Assert.Single(skipped.Predictors);
        // The second run loads the predictor the first one trained and cached: its training time comes with it.
        Assert.Equal(lop.TrainingSeconds, cached.TrainingSeconds);
        Assert.Null(cached.Speedup);
        Assert.Null(cached.BreakEvenBudgets);
    }
}
