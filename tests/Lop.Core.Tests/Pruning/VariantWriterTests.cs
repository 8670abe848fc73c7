using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using TorchSharp;
using Lop.Core.Loading;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Pruning;

public class VariantWriterTests
{
    private static readonly ModelConfig Config = TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, heads: 4, kvHeads: 2, attentionBias: true);

    [Fact]
    public void A_saved_checkpoint_loads_back_with_identical_logits()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var folder = TestCheckpoints.Save(model, temp.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(folder);

        var loaded = CheckpointLoader.Load(checkpoint);

        var tokens = TinyModels.Tokens(2, 10, Config.VocabSize);
        Assert.True(TinyModels.Logits(loaded, tokens).eq(TinyModels.Logits(model, tokens)).all().item<bool>());
    }

    [Fact]
    public void A_bf16_checkpoint_computes_in_bf16_or_converts_to_f32_on_request()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        model.to(ScalarType.BFloat16);
        var folder = TestCheckpoints.Save(model, temp.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(folder);

        var native = CheckpointLoader.Load(checkpoint);
        var widened = CheckpointLoader.Load(checkpoint, ScalarType.Float32);

        Assert.Equal(DType.BF16, checkpoint.DominantDType());
        Assert.Equal(ScalarType.BFloat16, native.Layers[0].Mlp.GateProj.weight!.dtype);
        Assert.True(widened.Layers[1].Mlp.DownProj.weight!.eq(model.Layers[1].Mlp.DownProj.weight!.to(ScalarType.Float32)).all().item<bool>());
    }

    [Fact]
    public void Ratio_zero_variant_reproduces_the_dense_logits_exactly()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var (variant, _) = WriteVariant(model, temp, [0, 0, 0]);

        var tokens = TinyModels.Tokens(2, 10, Config.VocabSize);
        Assert.True(TinyModels.Logits(variant, tokens).eq(TinyModels.Logits(model, tokens)).all().item<bool>());
    }

    [Fact]
    public void Variant_equals_the_dense_model_with_the_pruned_neurons_zeroed()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var (variant, plan) = WriteVariant(model, temp, [0.5, 0.25, 0.9]);

        Assert.Equal([24, 36, 4], plan.KeptCounts);
        Assert.Equal([24L, 36, 4], variant.Layers.Select(l => l.Mlp.Width));
        var tokens = TinyModels.Tokens(2, 10, Config.VocabSize);
        var expected = TinyModels.Logits(ZeroedCopy(model, plan), tokens);
        var actual = TinyModels.Logits(variant, tokens);
        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5), $"max diff {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Variant_keeps_the_most_important_neurons_and_copies_everything_else_byte_for_byte()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var source = TestCheckpoints.Save(model, temp.Sub("model"));
        var (_, plan) = WriteVariant(model, temp, [0.5, 0.5, 0.5], source);

        using var original = HfCheckpoint.Open(source);
        using var written = HfCheckpoint.Open(temp.Sub("variant"));
        var scores = TestCheckpoints.Importance(CheckpointLoader.Load(original), Config.VocabSize);
        for (var l = 0; l < 3; l++)
        {
            var top = scores.Ranking(ImportanceMethod.Activation, l).Take(24).Order();
            Assert.Equal(top, plan.KeptNeurons[l]);
        }
        foreach (var name in original.TensorNames.Where(n => FfnTensorName.Classify(n) is null))
        {
            var (a, ai) = original.Get(name);
            var (b, bi) = written.Get(name);
            Assert.True(a.Span(ai, 0, (int)ai.ByteLength).SequenceEqual(b.Span(bi, 0, (int)bi.ByteLength)), name);
        }
        // Rows of gate_proj are the kept rows of the source, in order.
        var (sf, si) = original.Get("model.layers.1.mlp.gate_proj.weight");
        var (vf, vi) = written.Get("model.layers.1.mlp.gate_proj.weight");
        var rowBytes = 32 * 4;
        for (var k = 0; k < plan.KeptNeurons[1].Length; k++)
        {
            Assert.True(sf.Span(si, plan.KeptNeurons[1][k] * rowBytes, rowBytes).SequenceEqual(vf.Span(vi, k * rowBytes, rowBytes)));
        }
    }

    [Fact]
    public void Variant_config_and_manifest_describe_the_pruning()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var (_, plan) = WriteVariant(model, temp, [0.5, 0.25, 0.5]);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("variant"), "config.json")))!;
        Assert.Equal([24, 36, 24], config["intermediate_size"]!.AsArray().Select(n => (int)n!));
        Assert.Equal("Qwen2ForCausalLM", (string)config["architectures"]![0]!);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("variant"), VariantManifest.FileName)))!;
        Assert.Equal([24, 36, 24], manifest["keptPerLayer"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(plan.KeptNeurons[2], manifest["keptNeurons"]![2]!.AsArray().Select(n => (int)n!));
        Assert.Equal(64, ((string)manifest["sourceFingerprint"]!).Length);
        Assert.True(File.Exists(Path.Combine(temp.Sub("variant"), "tokenizer_config.json")));

        var uniform = WriteVariant(model, temp, [0.5, 0.5, 0.5]);
        var uniformConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("variant"), "config.json")))!;
        Assert.Equal(24, (int)uniformConfig["intermediate_size"]!);
    }

    [Fact]
    public void A_sharded_checkpoint_gives_a_variant_with_the_same_shards_and_a_correct_index()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var source = TestCheckpoints.Save(model, temp.Sub("model"));
        TestCheckpoints.Shard(source);

        var (variant, plan) = WriteVariant(model, temp, [0.5, 0.25, 0.9], source);

        var files = Directory.GetFiles(temp.Sub("variant"), "*.safetensors").Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], files);
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("variant"), HfCheckpoint.IndexFileName)))!;
        Assert.Equal(files.Sum(f => new FileInfo(Path.Combine(temp.Sub("variant"), f!)).Length), (long)index["metadata"]!["total_size"]! + files.Sum(f => HeaderLength(Path.Combine(temp.Sub("variant"), f!))));
        var tokens = TinyModels.Tokens(2, 10, Config.VocabSize);
        Assert.True(TinyModels.Logits(variant, tokens).allclose(TinyModels.Logits(ZeroedCopy(model, plan), tokens), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void A_cancelled_write_leaves_no_output_and_no_temporary_folder()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var source = TestCheckpoints.Save(model, temp.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(source);
        var plan = PruningPlan.Create(TestCheckpoints.Importance(model, Config.VocabSize), [0.5, 0.5, 0.5]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            VariantWriter.Write(checkpoint, plan, Manifest(plan), temp.Sub("variant"), SilentProgress.Instance, cancelled.Token));

        Assert.Equal(["model"], Directory.GetDirectories(temp.Path).Select(d => Path.GetFileName(d)!));
    }

    [Fact]
    public void Refuses_to_replace_a_folder_that_is_not_a_variant()
    {
        using var temp = new TempFolder();
        var model = TinyModels.Random(Config);
        var source = TestCheckpoints.Save(model, temp.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(source);
        var plan = PruningPlan.Create(TestCheckpoints.Importance(model, Config.VocabSize), [0.5, 0.5, 0.5]);

        var error = Assert.Throws<LopException>(() =>
            VariantWriter.Write(checkpoint, plan, Manifest(plan), source, SilentProgress.Instance));

        Assert.Equal(ErrorCodes.OutputNotWritable, error.Code);
        Assert.True(File.Exists(Path.Combine(source, HfCheckpoint.SingleFile)));
    }

    private static long HeaderLength(string file) => 8 + BitConverter.ToInt64(File.ReadAllBytes(file), 0);

    private static (CausalLm Variant, PruningPlan Plan) WriteVariant(CausalLm model, TempFolder temp, double[] ratios, string? source = null)
    {
        source ??= TestCheckpoints.Save(model, temp.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(source);
        var plan = PruningPlan.Create(TestCheckpoints.Importance(model, Config.VocabSize), ratios);
        VariantWriter.Write(checkpoint, plan, Manifest(plan), temp.Sub("variant"), SilentProgress.Instance);
        using var variant = HfCheckpoint.Open(temp.Sub("variant"));
        return (CheckpointLoader.Load(variant), plan);
    }

    private static Func<long, long, VariantManifest> Manifest(PruningPlan plan) => (before, after) => VariantManifest.Create(plan, "test", new string('a', 64), null, before, after);

    private static CausalLm ZeroedCopy(CausalLm model, PruningPlan plan)
    {
        var copy = new CausalLm(model.Config);
        Models.PruningInvariantTests.CopySliced(model, copy, Enumerable.Range(0, model.Config.NumLayers).Select(l => Enumerable.Range(0, 48).ToArray()).ToArray());
        using var noGrad = no_grad();
        for (var l = 0; l < copy.Layers.Count; l++)
        {
            var mask = ones(48);
            mask.index_fill_(0, tensor(Enumerable.Range(0, 48).Except(plan.KeptNeurons[l]).Select(i => (long)i).ToArray()), 0);
            copy.Layers[l].Mlp.GateProj.weight!.mul_(mask.unsqueeze(1));
            copy.Layers[l].Mlp.DownProj.weight!.mul_(mask.unsqueeze(0));
        }
        return copy;
    }
}
