using Lop.Core.Formats;
using Lop.Core.Loading;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Models;

/// <summary>
/// <c>mlp_bias</c> checkpoints (how Hugging Face's LLaMA carries a FLAP-compressed FFN): the biases load,
/// take part in the forward pass, follow their neurons through reordering and narrowing, and survive pruning.
/// </summary>
public class MlpBiasTests
{
    private static readonly Lop.Core.Models.ModelConfig Config = TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, mlpBias: true);

    [Fact]
    public void An_mlp_bias_checkpoint_loads_its_biases_and_the_ffn_adds_each_where_the_definition_says()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var folder = TestCheckpoints.Save(model, temp.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(folder);
        Assert.True(checkpoint.Config.MlpBias);

        var loaded = CheckpointLoader.Load(checkpoint);
        var ffn = loaded.Layers[1].Mlp;
        Assert.True(ffn.DownProj.bias!.eq(model.Layers[1].Mlp.DownProj.bias!).all().item<bool>());
        Assert.True(ffn.GateProj.bias!.abs().sum().item<float>() > 0);

        using var generator = new Generator(11);
        var x = randn([2, 5, 32], generator: generator);
        Tensor actual;
        using (inference_mode())
        {
            actual = ffn.forward(x);
        }
        // down(silu(W_g x + b_g) * (W_u x + b_u)) + b_d, in float64 from the loaded parameters.
        Tensor F64(Tensor t) => t.detach().to(ScalarType.Float64);
        var input = F64(x);
        var gate = input.matmul(F64(ffn.GateProj.weight!).t()) + F64(ffn.GateProj.bias!);
        var up = input.matmul(F64(ffn.UpProj.weight!).t()) + F64(ffn.UpProj.bias!);
        var expected = (gate * gate.sigmoid() * up).matmul(F64(ffn.DownProj.weight!).t()) + F64(ffn.DownProj.bias!);
        Assert.True(actual.to(ScalarType.Float64).allclose(expected, rtol: 1e-5, atol: 1e-5), $"max diff {(actual.to(ScalarType.Float64) - expected).abs().max().item<double>()}");
    }

    [Fact]
    public void A_pruned_variant_keeps_its_neurons_gate_and_up_biases_and_the_whole_down_bias_and_computes_as_the_prefix_view()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var source = TestCheckpoints.Save(model, temp.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(source);
        var plan = PruningPlan.Create(TestCheckpoints.Importance(model, Config.VocabSize), [0.5, 0.25, 0.75]);
        VariantWriter.Write(checkpoint, plan, (before, after) => VariantManifest.Create(plan, "test", new string('a', 64), null, before, after), temp.Sub("variant"), SilentProgress.Instance);
        using var written = HfCheckpoint.Open(temp.Sub("variant"));
        Assert.True(written.Config.MlpBias);
        var variant = CheckpointLoader.Load(written);

        for (var l = 0; l < Config.NumLayers; l++)
        {
            var kept = tensor(plan.KeptNeurons[l].Select(i => (long)i).ToArray());
            var (dense, pruned) = (model.Layers[l].Mlp, variant.Layers[l].Mlp);
            Assert.True(pruned.GateProj.bias!.eq(dense.GateProj.bias!.index_select(0, kept)).all().item<bool>());
            Assert.True(pruned.UpProj.bias!.eq(dense.UpProj.bias!.index_select(0, kept)).all().item<bool>());
            Assert.True(pruned.DownProj.bias!.eq(dense.DownProj.bias!).all().item<bool>());
        }

        // The dense model with the kept neurons first (biases moving with them) and narrowed to them is the variant.
        model.Prefix.UseOrder(plan.KeptNeurons.Select((k, l) => (IReadOnlyList<int>)k.Concat(Enumerable.Range(0, 48).Except(k)).ToArray()).ToArray());
        var tokens = TinyModels.Tokens(2, 10, Config.VocabSize);
        Tensor viaPrefix;
        using (model.Prefix.Narrow(plan.KeptCounts))
        {
            viaPrefix = TinyModels.Logits(model, tokens);
        }
        var fromVariant = TinyModels.Logits(variant, tokens);
        Assert.True(fromVariant.allclose(viaPrefix, rtol: 1e-5, atol: 1e-5), $"max diff {(fromVariant - viaPrefix).abs().max().item<float>()}");
    }
}
