using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Evaluation;
using Lop.Core.Models;

namespace Lop.Core.Tests.Models;

/// <summary>
/// Scaled RoPE against values worked out by hand from transformers' formulas, for a head of 8
/// dimensions and theta 10000, whose unscaled inverse frequencies are exactly 1, 0.1, 0.01, 0.001.
/// </summary>
public sealed class RopeScalingTests
{
    private const int HeadDim = 8;
    private const double Theta = 10000;

    private static void Near(double[] expected, double[] actual) =>
        Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 1e-12));

    [Fact]
    public void Unscaled_and_linear_frequencies_are_theta_powers_and_their_quarter()
    {
        Near([1, 0.1, 0.01, 0.001], RopeFrequencies.Inverse(HeadDim, Theta, null, 100));
        Near([0.25, 0.025, 0.0025, 0.00025], RopeFrequencies.Inverse(HeadDim, Theta, new RopeScaling(RopeScalingKind.Linear, 4, 64), 100));
    }

    [Fact]
    public void Llama3_keeps_short_wavelengths_divides_long_ones_and_interpolates_the_band_between()
    {
        // Original context 64: wavelengths below 64 / 4 = 16 are kept (2 pi), above 64 / 1 = 64 divided by
        // 8 (628, 6283); 20 pi = 62.8 is in the band: smooth = (64 / 62.83 - 1) / 3, frequency
        // (1 - smooth) 0.1 / 8 + smooth 0.1.
        var scaling = new RopeScaling(RopeScalingKind.Llama3, 8, 64) { LowFreqFactor = 1, HighFreqFactor = 4 };
        var smooth = (64 / (20 * Math.PI) - 1) / 3;

        Near([1, (1 - smooth) * 0.1 / 8 + smooth * 0.1, 0.01 / 8, 0.001 / 8], RopeFrequencies.Inverse(HeadDim, Theta, scaling, 10));
        // What llama.cpp reads from rope_freqs: each frequency's divisor.
        Near([1, 0.1 / ((1 - smooth) * 0.1 / 8 + smooth * 0.1), 8, 8], RopeFrequencies.Llama3Divisors(HeadDim, Theta, scaling));
    }

    [Fact]
    public void Dynamic_ntk_is_unscaled_within_the_context_and_grows_the_base_beyond_it()
    {
        var scaling = new RopeScaling(RopeScalingKind.Dynamic, 2, 64) { MaxPositions = 64 };

        Near([1, 0.1, 0.01, 0.001], RopeFrequencies.Inverse(HeadDim, Theta, scaling, 64));
        // 128 tokens: base = 10000 (2 x 128 / 64 - 1)^(8 / 6) = 10000 x 3^(4/3), so frequency i is 10^-i x 3^(-i/3).
        Near([1, 0.1 / Math.Cbrt(3), 0.01 / Math.Pow(3, 2.0 / 3), 0.001 / 3], RopeFrequencies.Inverse(HeadDim, Theta, scaling, 128));
    }

    [Fact]
    public void Yarn_ramps_from_extrapolated_to_interpolated_dimensions_and_scales_attention_by_its_mscale()
    {
        // Correction dims for 64 positions: 32 rotations -> 8 ln(64 / 64 pi) / 2 ln 10000 = -0.497 -> floor 0;
        // 1 rotation -> 8 ln(64 / 2 pi) / 2 ln 10000 = 1.008 -> ceil 2. Ramp (i - 0) / 2: dimension 0 keeps its
        // frequency, 1 is half and half, 2 and 3 are divided by the factor 4.
        var scaling = new RopeScaling(RopeScalingKind.Yarn, 4, 64);

        Near([1, 0.5 * 0.1 + 0.5 * 0.1 / 4, 0.01 / 4, 0.001 / 4], RopeFrequencies.Inverse(HeadDim, Theta, scaling, 10));
        Assert.Equal(0.1 * Math.Log(4) + 1, RopeFrequencies.AttentionFactor(scaling), 12);
        Assert.Equal(0.8, RopeFrequencies.AttentionFactor(scaling with { AttentionFactor = 0.8 }), 12);
        Assert.Equal(1, RopeFrequencies.AttentionFactor(new RopeScaling(RopeScalingKind.Llama3, 8, 64)));
    }

    [Theory]
    [InlineData("""{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}""", RopeScalingKind.Llama3)]
    [InlineData("""{"type": "linear", "factor": 2.0}""", RopeScalingKind.Linear)]
    [InlineData("""{"type": "dynamic", "factor": 2.0}""", RopeScalingKind.Dynamic)]
    [InlineData("""{"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}""", RopeScalingKind.Yarn)]
    public void Both_the_rope_type_and_the_old_type_key_are_read(string rope, RopeScalingKind kind)
    {
        var config = ModelConfigReader.Read(Config(rope), "config.json");

        Assert.Equal(kind, config.RopeScaling!.Kind);
        Assert.Equal(JsonNode.Parse(rope)!["factor"]!.GetValue<double>(), config.RopeScaling.Factor);
        // Written back, it reads as the same scaling (the variants' config.json carries it).
        Assert.Equal(config.RopeScaling, RopeScalingJson.Read(new JsonObject { ["rope_scaling"] = RopeScalingJson.Write(config.RopeScaling), ["max_position_embeddings"] = 4096 }, "x"));
    }

    [Fact]
    public void The_default_kind_is_unscaled_and_an_unknown_kind_is_refused_by_name()
    {
        Assert.Null(ModelConfigReader.Read(Config("""{"rope_type": "default"}"""), "config.json").RopeScaling);

        var error = Assert.Throws<LopException>(() => ModelConfigReader.Read(Config("""{"rope_type": "longrope", "factor": 2.0}"""), "config.json"));
        Assert.Equal(ErrorCodes.ConfigFieldInvalid, error.Code);
        Assert.Contains("\"longrope\"", error.Message);
        var missing = Assert.Throws<LopException>(() => ModelConfigReader.Read(Config("""{"type": "linear"}"""), "config.json"));
        Assert.Contains("factor", missing.Message);
    }

    [Fact]
    public void A_llama3_model_computes_what_the_unscaled_one_does_within_its_high_frequency_band_and_differs_outside()
    {
        // Original context 1e6: every wavelength (at most 2 pi 10^3) is below 1e6 / 4, so llama3 keeps all
        // frequencies and the forward must equal the unscaled one exactly; with a context of 64 it must not.
        var config = TinyModels.Config(layers: 2, hidden: 32, heads: 4, kvHeads: 2, vocab: 61);
        var sequences = new[] { new Lop.Core.Calibration.CalibrationSequence(Enumerable.Range(0, 24).Select(i => i * 7 % 61).ToArray()) };
        double Nll(RopeScaling? scaling)
        {
            using var model = TinyModels.Random(config with { RopeScaling = scaling }, seed: 3);
            return LogLikelihood.Evaluate(model, sequences, batchSize: 1).MeanNll;
        }

        var unscaled = Nll(null);
        Assert.Equal(unscaled, Nll(new RopeScaling(RopeScalingKind.Llama3, 8, 1_000_000)), 12);
        Assert.NotEqual(unscaled, Nll(new RopeScaling(RopeScalingKind.Llama3, 8, 64)), 6);
        // Dynamic NTK within max_position_embeddings is unscaled RoPE too.
        Assert.Equal(unscaled, Nll(new RopeScaling(RopeScalingKind.Dynamic, 4, 64) { MaxPositions = 64 }), 12);
    }

    private static JsonObject Config(string rope) => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["num_hidden_layers"] = 2,
        ["hidden_size"] = 32,
        ["num_attention_heads"] = 4,
        ["intermediate_size"] = 48,
        ["vocab_size"] = 61,
        ["max_position_embeddings"] = 4096,
        ["rope_scaling"] = JsonNode.Parse(rope),
    };
}
