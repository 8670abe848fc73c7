using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Models;
using Lop.Core.Progress;
using TorchSharp;
using Xunit.Abstractions;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// The exported GGUF scored by llama.cpp (through LLamaSharp) against the engine, on the same token
/// ids: llama.cpp shares no code with the engine, so agreement checks the export itself.
/// </summary>
public sealed class GgufParityTests
{
    private static CalibrationSequence[] Sequences(int vocab, int count = 6, int length = 24)
    {
        var random = new Random(5);
        return Enumerable.Range(0, count).Select(_ => new CalibrationSequence(Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray())).ToArray();
    }

    private readonly ITestOutputHelper _output;

    public GgufParityTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Weights from a generator of this test's own (the process-wide one is shared with tests running in
    /// parallel), so the quantized figures, which depend on the weights, are the same on every run.
    /// </summary>
    private static CausalLm Seeded(CausalLm model)
    {
        using var generator = new torch.Generator(7);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.copy_(name.EndsWith("norm.weight", StringComparison.Ordinal)
                ? torch.rand(parameter.shape, generator: generator) + 0.5
                : torch.randn(parameter.shape, generator: generator) * 0.2);
        }
        return model;
    }

    /// <param name="bf16Sharded">save the checkpoint in BF16 as two shards (the engine then scores the BF16 weights in f32)</param>
    private (double Engine, double LlamaCpp) MeanNll(ModelConfig config, string type, bool bf16Sharded = false, Action<GgufExportReport>? check = null)
    {
        using var folder = new TempFolder();
        var model = Seeded(TinyModels.Random(config));
        if (bf16Sharded)
        {
            model.to(TorchSharp.torch.ScalarType.BFloat16);
        }
        var modelFolder = TestCheckpoints.Save(model, folder.Sub("model"));
        if (bf16Sharded)
        {
            TestCheckpoints.Shard(modelFolder);
            model.to(TorchSharp.torch.ScalarType.Float32);
        }
        var sequences = Sequences(config.VocabSize);
        var engine = LogLikelihood.Evaluate(model, sequences, batchSize: 8).MeanNll;
        var output = folder.Sub("model.gguf");
        using (var checkpoint = HfCheckpoint.Open(modelFolder))
        {
            Assert.Equal(bf16Sharded ? DType.BF16 : DType.F32, checkpoint.DominantDType());
            var report = GgufExporter.Export(checkpoint, output, GgufExportType.Parse(type), SilentProgress.Instance);
            check?.Invoke(report);
        }
        using var scorer = LlamaCppScorer.Open(output, sequences.Max(s => s.Length));
        var llamaCpp = scorer.Score(sequences).MeanNll;
        _output.WriteLine($"{type}: engine {engine:F6}, llama.cpp {llamaCpp:F6}, relative difference {Math.Abs(llamaCpp - engine) / engine:E2}");
        return (engine, llamaCpp);
    }

    [Theory]
    [InlineData("f32", 1e-4)]
    [InlineData("f16", 1e-3)]
    [InlineData("bf16", 1e-3)]
    public void A_non_uniform_qwen2_variant_scores_the_same_under_llama_cpp_as_in_the_engine(string type, double tolerance)
    {
        var config = TinyModels.Config(layers: 3, hidden: 64, heads: 8, kvHeads: 2, vocab: 256, attentionBias: true, widths: [96, 32, 64]);
        var (engine, llamaCpp) = MeanNll(config, type);
        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, tolerance);
    }

    [Theory]
    [InlineData("f32", 1e-4)]
    [InlineData("bf16", 1e-3)]
    public void A_bf16_sharded_qwen2_variant_scores_the_same_under_llama_cpp_as_in_the_engine(string type, double tolerance)
    {
        var config = TinyModels.Config(layers: 3, hidden: 64, heads: 8, kvHeads: 2, vocab: 256, attentionBias: true, widths: [96, 32, 64]);
        var (engine, llamaCpp) = MeanNll(config, type, bf16Sharded: true);
        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, tolerance);
    }

    [Fact]
    public void A_q8_0_variant_scores_within_one_percent_of_the_engine_and_keeps_every_tensor_in_q8_0()
    {
        var config = TinyModels.Config(layers: 3, hidden: 64, heads: 8, kvHeads: 2, vocab: 256, attentionBias: true, widths: [96, 32, 64]);
        var (engine, llamaCpp) = MeanNll(config, "q8_0", check: report =>
        {
            Assert.Empty(report.Fallbacks);
            var file = GgufFile.Read(report.Output);
            Assert.All(file.Tensors.Where(t => t.Dimensions.Length == 2), t => Assert.Equal(GgmlType.Q8_0, t.Type));
        });
        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, 0.01);
    }

    [Fact]
    public void A_q4_k_m_variant_in_whole_blocks_has_no_fallbacks_and_stays_within_five_percent_of_the_engine()
    {
        var config = TinyModels.Config(layers: 3, hidden: 256, heads: 8, kvHeads: 2, vocab: 256, widths: [512, 256, 768]);
        var (engine, llamaCpp) = MeanNll(config, "q4_k_m", check: report =>
        {
            Assert.Empty(report.Fallbacks);
            var types = GgufFile.Read(report.Output).Tensors.Where(t => t.Dimensions.Length == 2).Select(t => t.Type).ToHashSet();
            Assert.Contains(GgmlType.Q4_K, types);
            Assert.DoesNotContain(GgmlType.F16, types);
        });
        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, 0.05);
    }

    [Fact]
    public void A_width_that_is_not_whole_k_quant_blocks_is_reported_as_a_fallback()
    {
        var config = TinyModels.Config(layers: 2, hidden: 256, heads: 4, kvHeads: 2, vocab: 256, widths: [512, 320]);
        MeanNll(config, "q4_k_m", check: report =>
        {
            var fallback = Assert.Single(report.Fallbacks);
            Assert.Equal("blk.1.ffn_down.weight", fallback.Tensor);
            Assert.DoesNotContain(fallback.Type, new[] { "q4_k", "q6_k" });
        });
    }

    [Fact]
    public void A_width_that_is_not_whole_q8_0_blocks_is_refused_before_llama_cpp_runs_naming_the_tensor_and_the_fix()
    {
        using var folder = new TempFolder();
        var config = TinyModels.Config(layers: 2, hidden: 64, heads: 4, kvHeads: 2, vocab: 256, widths: [96, 40]);
        var modelFolder = TestCheckpoints.Save(TinyModels.Random(config), folder.Sub("model"));
        using var checkpoint = HfCheckpoint.Open(modelFolder);
        var error = Assert.Throws<Lop.Core.Errors.LopException>(() =>
            GgufExporter.Export(checkpoint, folder.Sub("model.gguf"), GgufExportType.Q8_0, SilentProgress.Instance));
        Assert.Equal(Lop.Core.Errors.ErrorCodes.QuantizationFailed, error.Code);
        Assert.Contains("blk.1.ffn_down.weight", error.Message);
        Assert.Contains("granularity", error.Message);
        Assert.Equal(["model"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_uniform_llama_with_tied_embeddings_scores_the_same_under_llama_cpp_as_in_the_engine()
    {
        var config = TinyModels.Config(layers: 2, hidden: 64, heads: 4, kvHeads: 4, vocab: 256, tied: true);
        var (engine, llamaCpp) = MeanNll(config, "f32");
        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, 1e-4);
    }

    [Fact]
    public void A_llama3_scaled_rope_model_scores_the_same_under_llama_cpp_through_its_rope_freqs_tensor()
    {
        // Original context 16 with head dim 16: the two lowest-frequency pairs are divided by 8 and two more
        // interpolated, so a GGUF without rope_freqs (or with the divisors inverted) scores differently
        // (without the tensor: 1.5% apart).
        var scaling = new RopeScaling(RopeScalingKind.Llama3, 8, 16) { LowFreqFactor = 1, HighFreqFactor = 4 };
        var config = TinyModels.Config(layers: 2, hidden: 64, heads: 4, kvHeads: 2, vocab: 256) with { RopeScaling = scaling };
        var unscaled = MeanNll(config with { RopeScaling = null }, "f32");

        var (engine, llamaCpp) = MeanNll(config, "f32", check: report => Assert.Equal([8], GgufFile.Read(report.Output).Tensor(GgufRopeScaling.FrequencyTensor).Dimensions));

        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, 1e-4);
        Assert.True(Math.Abs(engine - unscaled.Engine) / engine > 1e-3, $"scaling changed the engine's figure by only {Math.Abs(engine - unscaled.Engine) / engine:E2}");
    }

    [Fact]
    public void A_linear_scaled_rope_model_scores_the_same_under_llama_cpp_through_its_scaling_keys()
    {
        var config = TinyModels.Config(layers: 2, hidden: 64, heads: 4, kvHeads: 2, vocab: 256) with { RopeScaling = new RopeScaling(RopeScalingKind.Linear, 4, 2048) };
        var unscaled = MeanNll(config with { RopeScaling = null }, "f32");

        var (engine, llamaCpp) = MeanNll(config, "f32");

        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, 1e-4);
        Assert.True(Math.Abs(engine - unscaled.Engine) / engine > 1e-3);
    }

    [Fact]
    public void A_yarn_scaled_rope_model_scores_the_same_under_llama_cpp_and_one_stating_its_own_attention_factor_is_refused()
    {
        var config = TinyModels.Config(layers: 2, hidden: 64, heads: 4, kvHeads: 2, vocab: 256) with { RopeScaling = new RopeScaling(RopeScalingKind.Yarn, 4, 32) };
        var unscaled = MeanNll(config with { RopeScaling = null }, "f32");

        var (engine, llamaCpp) = MeanNll(config, "f32");

        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, 1e-4);
        Assert.True(Math.Abs(engine - unscaled.Engine) / engine > 1e-3);
        var error = Assert.Throws<Lop.Core.Errors.LopException>(() => MeanNll(config with { RopeScaling = config.RopeScaling! with { AttentionFactor = 1.2 } }, "f32"));
        Assert.Equal(Lop.Core.Errors.ErrorCodes.RopeScalingNotExportable, error.Code);
    }
}
