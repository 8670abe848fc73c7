namespace Lop.Core.Models;

/// <summary>
/// The decoder's shape, as read from a Hugging Face config.json (see <see cref="ModelConfigReader"/>).
/// FFN widths are per layer, because pruned variants have a different width in every layer.
/// </summary>
public sealed record ModelConfig
{
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    public string Architecture { get; init; } = "LlamaForCausalLM";
    public int HiddenSize { get; init; }
    public int[] IntermediateSizes { get; init; } = [];
    public int NumLayers { get; init; }
    public int NumHeads { get; init; }
    public int NumKvHeads { get; init; }
    public int HeadDim { get; init; }
    public int VocabSize { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public bool TieWordEmbeddings { get; init; }

    /// <summary>q/k/v projections carry biases (always for Qwen2; <c>attention_bias</c> for LLaMA).</summary>
    public bool AttentionBias { get; init; }

    public int MaxPositionEmbeddings { get; init; } = 2048;
    public string? TorchDType { get; init; }

    /// <summary>Every tensor the architecture needs, with the shape the config implies.</summary>
    public IEnumerable<(string Name, long[] Shape)> RequiredTensors()
    {
        long q = (long)NumHeads * HeadDim;
        long kv = (long)NumKvHeads * HeadDim;
        yield return ("model.embed_tokens.weight", [VocabSize, HiddenSize]);
        for (var l = 0; l < NumLayers; l++)
        {
            var p = $"model.layers.{l}.";
            yield return (p + "self_attn.q_proj.weight", [q, HiddenSize]);
            yield return (p + "self_attn.k_proj.weight", [kv, HiddenSize]);
            yield return (p + "self_attn.v_proj.weight", [kv, HiddenSize]);
            yield return (p + "self_attn.o_proj.weight", [HiddenSize, q]);
            if (AttentionBias)
            {
                yield return (p + "self_attn.q_proj.bias", [q]);
                yield return (p + "self_attn.k_proj.bias", [kv]);
                yield return (p + "self_attn.v_proj.bias", [kv]);
            }
            yield return (p + "mlp.gate_proj.weight", [IntermediateSizes[l], HiddenSize]);
            yield return (p + "mlp.up_proj.weight", [IntermediateSizes[l], HiddenSize]);
            yield return (p + "mlp.down_proj.weight", [HiddenSize, IntermediateSizes[l]]);
            yield return (p + "input_layernorm.weight", [HiddenSize]);
            yield return (p + "post_attention_layernorm.weight", [HiddenSize]);
        }
        yield return ("model.norm.weight", [HiddenSize]);
        if (!TieWordEmbeddings)
        {
            yield return ("lm_head.weight", [VocabSize, HiddenSize]);
        }
    }
}
