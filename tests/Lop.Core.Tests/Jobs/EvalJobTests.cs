using Lop.Core.Jobs;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Calibration;

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

        foreach (var row in report.Rows.Where(r => r.Method is "uniform" or "mcts" or "lop-mlp"))
        {
            var output = temp.Sub($"variant-{row.Method}-{row.Budget}");
            var pruned = PruneJob.Run(new PruneRequest(model, calibration, null, row.Ratios, Lop.Core.Importance.ImportanceMethod.Activation, output, CacheFolder: temp.Sub("cache")), SilentProgress.Instance);
            Assert.Equal(row.Kept, pruned.KeptPerLayer);
            var perplexity = PerplexityJob.Run(new PerplexityRequest(output, calibration), SilentProgress.Instance);
            // Same neurons, same code; only the matmul shapes differ (prefix view vs sliced tensors).
            Assert.Equal(1.0, row.Perplexity / perplexity.Perplexity, 5);
        }
        var dense = PerplexityJob.Run(new PerplexityRequest(model, calibration), SilentProgress.Instance);
        Assert.Equal(1.0, report.DensePerplexity / dense.Perplexity, 5);
    }
}
