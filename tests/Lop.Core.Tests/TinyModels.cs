using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Tests;

/// <summary>
/// Small random decoders for tests; each test builds its own, seeded. Every draw comes from a generator of
/// the call's own, never torch.manual_seed: xunit runs test classes in parallel, and the process-wide
/// generator would hand one test's draws to another, so the weights would depend on the scheduling.
/// </summary>
internal static class TinyModels
{
    public static ModelConfig Config(
        int layers = 3,
        int hidden = 32,
        int intermediate = 48,
        int heads = 4,
        int kvHeads = 2,
        int vocab = 61,
        bool attentionBias = false,
        bool tied = false,
        int[]? widths = null,
        bool mlpBias = false) => new()
    {
        Architecture = attentionBias ? "Qwen2ForCausalLM" : "LlamaForCausalLM",
        HiddenSize = hidden,
        IntermediateSizes = widths ?? Enumerable.Repeat(intermediate, layers).ToArray(),
        NumLayers = layers,
        NumHeads = heads,
        NumKvHeads = kvHeads,
        HeadDim = hidden / heads,
        VocabSize = vocab,
        RmsNormEps = 1e-6,
        RopeTheta = 10000,
        TieWordEmbeddings = tied,
        AttentionBias = attentionBias,
        MlpBias = mlpBias,
    };

    /// <summary>A model with random weights of a realistic scale (norm weights away from 1, so they matter).</summary>
    public static CausalLm Random(ModelConfig config, long seed = 7)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        // The constructor's default initialisation draws from the global generator; every parameter is overwritten below.
        var model = new CausalLm(config);
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                parameter.copy_(rand(parameter.shape, generator: generator) + 0.5);
            }
            else
            {
                parameter.copy_(randn(parameter.shape, generator: generator) * 0.2);
            }
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// Makes the (untied) output head score only 'a' (+v) and 'b' (-v): whatever the hidden state, greedy decoding
    /// picks one of the two, never another byte or an end marker (score 0), so N generated tokens are N ASCII letters.
    /// </summary>
    public static CausalLm TwoLetterHead(CausalLm model, long seed = 13)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(unchecked((ulong)seed));
        var head = model.named_parameters().Single(p => p.name == "lm_head.weight").parameter;
        var direction = randn(head.shape[1], generator: generator);
        head.zero_();
        head[(long)'a'].copy_(direction);
        head[(long)'b'].copy_(-direction);
        return model;
    }

    /// <summary>
    /// Puts infinity in one column of <paramref name="layer"/>'s down_proj, as a checkpoint whose weights overflow
    /// the compute dtype arrives: that layer's FFN output, and everything after it, stops being finite.
    /// </summary>
    public static CausalLm OverflowingDownProj(CausalLm model, int layer)
    {
        using var noGrad = no_grad();
        model.Layers[layer].Mlp.DownProj.weight!.select(1, 0).fill_(float.PositiveInfinity);
        return model;
    }

    public static Tensor Tokens(int batch, int seq, int vocab, long seed = 3)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        using var generator = new Generator(unchecked((ulong)seed));
        return randint(0, vocab, [batch, seq], dtype: ScalarType.Int64, generator: generator);
    }

    public static Tensor Logits(CausalLm model, Tensor tokens)
    {
        using var inference = inference_mode();
        return model.forward(tokens);
    }
}
