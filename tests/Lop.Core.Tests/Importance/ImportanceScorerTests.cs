using Lop.Core.Calibration;
using Lop.Core.Importance;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Importance;

public class ImportanceScorerTests
{
    [Fact]
    public void Statistics_accumulate_per_neuron_over_every_token_of_every_batch()
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        using var statistics = new ActivationStatistics([3]);
        // Two batches: [1 token x 3 neurons] then [2 tokens x 3 neurons].
        statistics.Observe(0, tensor(new float[] { 1, 2, 3 }).reshape(1, 1, 3));
        statistics.Observe(0, tensor(new float[] { -1, 0, 5, 2, 2, 2 }).reshape(1, 2, 3));

        Assert.Equal(3, statistics.Tokens);
        Assert.Equal([2.0, 4, 10], statistics.Sum(0));
        Assert.Equal([6.0, 8, 38], statistics.SumOfSquares(0));
    }

    [Fact]
    public void Activation_score_is_the_rms_of_each_neurons_down_proj_input()
    {
        var config = TinyModels.Config(layers: 2);
        var model = TinyModels.Random(config);
        var tokens = TinyModels.Tokens(3, 7, config.VocabSize, seed: 5);
        var sequences = CalibrationSequence.FromTokens(Enumerable.Range(0, 3).Select(i => tokens[i].data<long>().Select(v => (int)v).ToArray()));

        var recorder = new Recorder();
        using (model.Prefix.Observe(recorder))
        using (inference_mode())
        {
            // The scorer predicts tokens 1..n from 0..n-1, so it sees the first 6 positions.
            model.forward(tokens.narrow(1, 0, 6));
        }
        var scores = ImportanceScorer.Score(model, sequences, batchSize: 2);

        for (var l = 0; l < 2; l++)
        {
            var hidden = recorder.Hidden[l].reshape(-1, 48);
            var expected = hidden.pow(2).mean([0L]).sqrt().data<float>().ToArray();
            var actual = scores.For(ImportanceMethod.Activation, l);
            for (var j = 0; j < 48; j++)
            {
                Assert.Equal(expected[j], actual[j], 4);
            }
            Assert.True(actual.Max() > 1.5 * actual.Min(), "neurons must differ in importance");
        }
        Assert.Equal(18, scores.CalibrationTokens);
    }

    [Fact]
    public void Ranking_orders_by_score_and_breaks_ties_by_index()
    {
        var scores = new ImportanceScores(
            Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => new[] { new[] { 0.5, 2.0, 0.5, 1.0 } }), 10);

        Assert.Equal([1, 3, 0, 2], scores.Ranking(ImportanceMethod.Activation, 0));
    }

    private sealed class Recorder : IFfnObserver
    {
        public Dictionary<int, Tensor> Hidden { get; } = [];

        public void Observe(int layer, Tensor hidden) => Hidden[layer] = hidden.detach().clone().DetachFromDisposeScope();
    }
}
