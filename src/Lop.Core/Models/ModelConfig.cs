namespace Lop.Core.Models;

/// <summary>
/// The decoder's shape, as read from a Hugging Face config.json (see <see cref="ModelConfigReader"/>).
/// FFN widths are per layer, because pruned variants have a different width in every layer.
/// </summary>
public sealed record ModelConfig
{
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    /// <summary>Vision-language architectures whose decoder FFNs are pruned, with their vision forward.</summary>
    public static readonly IReadOnlyList<string> SupportedMultimodalArchitectures =
        ["LlavaForConditionalGeneration", "Qwen2VLForConditionalGeneration", "Qwen2_5_VLForConditionalGeneration"];

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

    /// <summary>Scaled RoPE (Llama 3.x, long-context models); null when the frequencies are the default ones.</summary>
    public RopeScaling? RopeScaling { get; init; }
    public bool TieWordEmbeddings { get; init; }

    /// <summary>q/k/v projections carry biases (always for Qwen2; <c>attention_bias</c> for LLaMA).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>
    /// gate_proj, up_proj and down_proj carry biases (<c>mlp_bias</c>, as Hugging Face's LLaMA and Qwen2
    /// express a FLAP-compressed FFN: the removed neurons' mean contribution is down_proj's bias).
    /// </summary>
    public bool MlpBias { get; init; }

    public int MaxPositionEmbeddings { get; init; } = 2048;
    public string? TorchDType { get; init; }

    /// <summary>How engine names map to the checkpoint's (set once the tensor names are known).</summary>
    public CheckpointLayout Layout { get; init; } = CheckpointLayout.CausalLm;

    /// <summary>The vision tower and projector of a LLaVA model; null for a text model.</summary>
    public MultimodalConfig? Multimodal { get; init; }

    /// <summary>The vision tower of a Qwen2-VL / Qwen2.5-VL model; null for every other model.</summary>
    public QwenVisionConfig? QwenVision { get; init; }

    /// <summary>The engine's name of the decoder module inside the whole model ("" or "language_model.").</summary>
    public string LanguageModelModule => Multimodal is null && QwenVision is null ? "" : "language_model.";

    /// <summary>The checkpoint's prefix of the decoder's layers, embeddings and norm ("model.", "language_model.model.", ...).</summary>
    public string DecoderPrefix => Layout.CheckpointName(LanguageModelModule + "model.");

    /// <summary>Every tensor the architecture needs, by its checkpoint name, with the shape the config implies.</summary>
    public IEnumerable<(string Name, long[] Shape)> RequiredTensors()
    {
        foreach (var (name, shape) in DecoderTensors())
        {
            yield return (Layout.CheckpointName(LanguageModelModule + name), shape);
        }
        if (Multimodal is not null)
        {
            foreach (var (name, shape) in Multimodal.RequiredTensors(HiddenSize))
            {
                yield return (Layout.CheckpointName(name), shape);
            }
        }
        if (QwenVision is not null)
        {
            foreach (var (name, shape) in QwenVision.RequiredTensors("visual."))
            {
                yield return (Layout.CheckpointName(name), shape);
            }
        }
    }

    /// <summary>The decoder's tensors in the engine's names (model.*, lm_head.weight).</summary>
    private IEnumerable<(string Name, long[] Shape)> DecoderTensors()
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
            if (MlpBias)
            {
                yield return (p + "mlp.gate_proj.bias", [IntermediateSizes[l]]);
                yield return (p + "mlp.up_proj.bias", [IntermediateSizes[l]]);
                yield return (p + "mlp.down_proj.bias", [HiddenSize]);
            }
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
