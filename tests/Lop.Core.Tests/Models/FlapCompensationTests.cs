using Lop.Core.Calibration;
using Lop.Core.Importance;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Models;

/// <summary>
/// FLAP's bias compensation in the prefix view: while a compensated narrowing is open, each FFN adds
/// W_down[:, removed] x mean[removed] for the neurons outside its prefix, whatever order they are in.
/// </summary>
public class FlapCompensationTests
{
    [Fact]
    public void The_ffn_adds_the_removed_neurons_means_through_their_down_proj_columns_in_the_current_order()
    {
        var config = TinyModels.Config(layers: 2, hidden: 32, intermediate: 48);
        var model = TinyModels.Random(config);
        var random = new Random(3);
        var means = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, 48).Select(_ => random.NextDouble() - 0.3).ToArray()).ToArray();
        // Checkpoint-order down_proj columns, read before the neurons move.
        var down = model.Layers.Select(l => l.Mlp.DownProj.weight!.data<float>().ToArray()).ToArray();
        var order = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, 48).OrderBy(_ => random.Next()).ToArray()).ToArray();
        model.Prefix.UseOrder(order);
        int[] kept = [20, 0];
        using var generator = new Generator(5);
        var x = randn([1, 4, 32], generator: generator);

        for (var l = 0; l < 2; l++)
        {
            var plain = Output(model, l, x, kept, null);
            var compensated = Output(model, l, x, kept, means);
            // By hand: sum over the neurons at positions kept.. of mean_j x W_down[:, j], in checkpoint indices.
            var bias = new double[32];
            foreach (var j in order[l].Skip(kept[l]))
            {
                for (var h = 0; h < 32; h++)
                {
                    bias[h] += means[l][j] * down[l][h * 48 + j];
                }
            }
            var added = (compensated - plain).to(ScalarType.Float64);
            for (var t = 0; t < 4; t++)
            {
                var row = added[0, t].data<double>().ToArray();
                for (var h = 0; h < 32; h++)
                {
                    Assert.Equal(bias[h], row[h], 4);
                }
            }
            Assert.True(bias.Max(Math.Abs) > 0.1, "the hand bias must be large enough for the comparison to mean something");
        }
    }

    [Fact]
    public void With_constant_activations_in_the_removed_neurons_the_compensated_model_equals_the_dense_one()
    {
        // With mlp_bias, a neuron whose gate and up rows are zero outputs silu(b_gate) x b_up on every token:
        // its mean is exact, so replacing it by its mean changes nothing. Means come from the real statistics.
        var config = TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, mlpBias: true);
        var model = TinyModels.Random(config);
        int[][] removed = [[1, 7, 30], Enumerable.Range(0, 48).Where(j => j % 2 == 0).ToArray(), [47]];
        using (no_grad())
        {
            for (var l = 0; l < 3; l++)
            {
                var rows = tensor(removed[l].Select(j => (long)j).ToArray());
                model.Layers[l].Mlp.GateProj.weight!.index_fill_(0, rows, 0);
                model.Layers[l].Mlp.UpProj.weight!.index_fill_(0, rows, 0);
            }
        }
        var tokens = TinyModels.Tokens(3, 9, config.VocabSize, seed: 8);
        var dense = TinyModels.Logits(model, tokens);
        var sequences = CalibrationSequence.FromTokens(Enumerable.Range(0, 3).Select(i => tokens[i].data<long>().Select(v => (int)v).ToArray()));
        var scores = ImportanceScorer.Score(model, sequences, batchSize: 2);

        model.Prefix.UseOrder(removed.Select(r => (IReadOnlyList<int>)Enumerable.Range(0, 48).Except(r).Concat(r).ToArray()).ToArray());
        var kept = removed.Select(r => 48 - r.Length).ToArray();
        Tensor compensated, plain;
        using (model.Prefix.Narrow(kept, scores.MeanActivations))
        {
            compensated = TinyModels.Logits(model, tokens);
        }
        using (model.Prefix.Narrow(kept))
        {
            plain = TinyModels.Logits(model, tokens);
        }

        Assert.True(compensated.allclose(dense, rtol: 1e-4, atol: 1e-4), $"max diff {(compensated - dense).abs().max().item<float>()}");
        Assert.True((plain - dense).abs().max().item<float>() > 1e-2, "without compensation the removed neurons' constant output is missing");
    }

    private static Tensor Output(Lop.Core.Models.CausalLm model, int layer, Tensor x, int[] kept, double[][]? means)
    {
        using var narrowed = model.Prefix.Narrow(kept, means);
        using var inference = inference_mode();
        return model.Layers[layer].Mlp.forward(x);
    }
}
