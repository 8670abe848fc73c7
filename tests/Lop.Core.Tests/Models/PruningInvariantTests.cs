using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Models;

/// <summary>
/// Correctness of the decoder without PyTorch at hand: structural facts that any correct
/// implementation satisfies, checked on random weights.
/// </summary>
public class PruningInvariantTests
{
    [Fact]
    public void Full_active_width_reproduces_dense_logits_exactly()
    {
        var config = TinyModels.Config();
        var model = TinyModels.Random(config);
        var tokens = TinyModels.Tokens(2, 9, config.VocabSize);
        var dense = TinyModels.Logits(model, tokens);

        Tensor full;
        using (model.Prefix.Narrow(config.IntermediateSizes))
        {
            full = TinyModels.Logits(model, tokens);
        }

        Assert.True(dense.eq(full).all().item<bool>());
    }

    [Fact]
    public void Slicing_neurons_out_equals_zeroing_them_in_the_dense_model()
    {
        var config = TinyModels.Config();
        var dense = TinyModels.Random(config);
        var tokens = TinyModels.Tokens(2, 9, config.VocabSize);
        int[][] kept = [[0, 3, 5, 6, 10, 20, 47], Enumerable.Range(0, 48).Where(i => i % 3 != 1).ToArray(), [47]];

        var sliced = new CausalLm(TinyModels.Config(widths: kept.Select(k => k.Length).ToArray()));
        CopySliced(dense, sliced, kept);
        ZeroAllBut(dense, kept);

        var expected = TinyModels.Logits(dense, tokens);
        var actual = TinyModels.Logits(sliced, tokens);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max diff {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Permuting_ffn_neurons_consistently_changes_nothing()
    {
        var config = TinyModels.Config();
        var model = TinyModels.Random(config);
        var tokens = TinyModels.Tokens(2, 9, config.VocabSize);
        var before = TinyModels.Logits(model, tokens);

        var random = new System.Random(5);
        var order = model.Layers.Select(_ => Enumerable.Range(0, 48).OrderBy(_ => random.Next()).ToArray()).ToArray();
        Assert.True(model.Prefix.UseOrder(order));
        var after = TinyModels.Logits(model, tokens);

        Assert.False(model.Layers[0].Mlp.GateProj.weight!.eq(TinyModels.Random(config).Layers[0].Mlp.GateProj.weight!).all().item<bool>());
        Assert.True(after.allclose(before, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Active_width_prefix_equals_slicing_the_first_neurons()
    {
        var config = TinyModels.Config();
        var model = TinyModels.Random(config);
        var tokens = TinyModels.Tokens(2, 9, config.VocabSize);
        int[][] prefixes = [Enumerable.Range(0, 10).ToArray(), Enumerable.Range(0, 30).ToArray(), Enumerable.Range(0, 1).ToArray()];
        var sliced = new CausalLm(TinyModels.Config(widths: prefixes.Select(k => k.Length).ToArray()));
        CopySliced(model, sliced, prefixes);

        using var narrowed = model.Prefix.Narrow(prefixes.Select(p => p.Length).ToArray());

        Assert.True(TinyModels.Logits(model, tokens).allclose(TinyModels.Logits(sliced, tokens), rtol: 1e-5, atol: 1e-5));
    }

    internal static void CopySliced(CausalLm source, CausalLm target, int[][] kept)
    {
        using var noGrad = no_grad();
        var sourceParameters = source.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        foreach (var (name, parameter) in target.named_parameters())
        {
            var value = sourceParameters[name];
            var layer = LayerOf(name);
            if (name.EndsWith("gate_proj.weight") || name.EndsWith("up_proj.weight"))
            {
                value = value.index_select(0, tensor(kept[layer].Select(i => (long)i).ToArray()));
            }
            else if (name.EndsWith("down_proj.weight"))
            {
                value = value.index_select(1, tensor(kept[layer].Select(i => (long)i).ToArray()));
            }
            parameter.copy_(value);
        }
        target.eval();
    }

    private static void ZeroAllBut(CausalLm model, int[][] kept)
    {
        using var noGrad = no_grad();
        for (var l = 0; l < model.Layers.Count; l++)
        {
            var mlp = model.Layers[l].Mlp;
            for (var j = 0; j < mlp.Width; j++)
            {
                if (!kept[l].Contains(j))
                {
                    mlp.GateProj.weight![j].zero_();
                    mlp.UpProj.weight![j].zero_();
                    mlp.DownProj.weight![.., j].zero_();
                }
            }
        }
    }

    private static int LayerOf(string name)
    {
        var parts = name.Split('.');
        var at = Array.IndexOf(parts, "layers");
        return at < 0 ? -1 : int.Parse(parts[at + 1]);
    }
}
