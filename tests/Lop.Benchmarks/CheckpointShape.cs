using System.Text.Json.Nodes;
using Lop.Core.Formats;

namespace Lop.Benchmarks;

/// <summary>Which Hugging Face architecture a synthetic checkpoint imitates.</summary>
internal enum ModelFamily
{
    /// <summary>Qwen2ForCausalLM: q/k/v biases.</summary>
    Qwen2,

    /// <summary>LlamaForCausalLM: no biases.</summary>
    Llama,
}

/// <summary>
/// A model shape to generate with random weights: the tensors and config.json of a real architecture,
/// in the dtype its published checkpoint uses.
/// </summary>
internal sealed record CheckpointShape(
    string Name, int Layers, int Hidden, int Ffn, int Heads, int KvHeads, int HeadDim, int Vocab,
    ModelFamily Family = ModelFamily.Qwen2, DType DType = DType.BF16, bool TiedEmbeddings = false,
    double RopeTheta = 1000000.0, double RmsNormEps = 1e-6, int MaxPositions = 32768)
{
    /// <summary>Shapes of the variant-writing benchmark (Qwen2.5, BF16 as published).</summary>
    public static readonly CheckpointShape[] Known =
    [
        new("qwen2.5-7b", 28, 3584, 18944, 28, 4, 128, 152064),
        new("qwen2.5-3b", 36, 2048, 11008, 16, 2, 128, 151936),
        new("qwen2.5-0.5b", 24, 896, 4864, 14, 2, 64, 151936),
    ];

    /// <summary>
    /// Llama-3.2-1B's decoder (BF16, tied embeddings, rope_theta 500000) with the vocabulary cut from
    /// 128256 to 8192 so the table is about the decoder layers, and without its llama3 rope_scaling
    /// (it changes no weight and costs nothing measurable at decode time).
    /// </summary>
    public static readonly CheckpointShape Llama32OneB =
        new("llama-3.2-1b-v8192", 16, 2048, 8192, 32, 8, 64, 8192, ModelFamily.Llama, DType.BF16, TiedEmbeddings: true, RopeTheta: 500000.0, RmsNormEps: 1e-5, MaxPositions: 131072);

    /// <summary>Llama-3.2-1B's proportions at a quarter of the width and layers: a smoke test in a minute.</summary>
    public static readonly CheckpointShape LlamaQuick =
        new("llama-quick", 4, 512, 2048, 8, 2, 64, 8192, ModelFamily.Llama, DType.BF16, TiedEmbeddings: true, RopeTheta: 500000.0, RmsNormEps: 1e-5, MaxPositions: 131072);

    /// <summary>LLaMA-2-7B's shape in F16 (untied, 32 heads without grouping, vocab 32000): ~13.5 GB.</summary>
    public static readonly CheckpointShape Llama7B =
        new("llama-7b-f16", 32, 4096, 11008, 32, 32, 128, 32000, ModelFamily.Llama, DType.F16, RopeTheta: 10000.0, RmsNormEps: 1e-5, MaxPositions: 4096);

    /// <summary>The 7B shape with 4 of its 32 layers and a sixteenth of the vocabulary, for a quick run (~1.7 GB).</summary>
    public static readonly CheckpointShape Llama7BQuick =
        new("llama-7b-4layers-f16", 4, 4096, 11008, 32, 32, 128, 2048, ModelFamily.Llama, DType.F16, RopeTheta: 10000.0, RmsNormEps: 1e-5, MaxPositions: 4096);

    public IEnumerable<TensorEntry> Tensors()
    {
        long q = (long)Heads * HeadDim, kv = (long)KvHeads * HeadDim;
        var biases = Family == ModelFamily.Qwen2;
        yield return new("model.embed_tokens.weight", DType, [Vocab, Hidden]);
        for (var l = 0; l < Layers; l++)
        {
            var p = $"model.layers.{l}.";
            yield return new(p + "input_layernorm.weight", DType, [Hidden]);
            yield return new(p + "mlp.down_proj.weight", DType, [Hidden, Ffn]);
            yield return new(p + "mlp.gate_proj.weight", DType, [Ffn, Hidden]);
            yield return new(p + "mlp.up_proj.weight", DType, [Ffn, Hidden]);
            yield return new(p + "post_attention_layernorm.weight", DType, [Hidden]);
            if (biases)
            {
                yield return new(p + "self_attn.k_proj.bias", DType, [kv]);
            }
            yield return new(p + "self_attn.k_proj.weight", DType, [kv, Hidden]);
            yield return new(p + "self_attn.o_proj.weight", DType, [Hidden, q]);
            if (biases)
            {
                yield return new(p + "self_attn.q_proj.bias", DType, [q]);
            }
            yield return new(p + "self_attn.q_proj.weight", DType, [q, Hidden]);
            if (biases)
            {
                yield return new(p + "self_attn.v_proj.bias", DType, [kv]);
            }
            yield return new(p + "self_attn.v_proj.weight", DType, [kv, Hidden]);
        }
        yield return new("model.norm.weight", DType, [Hidden]);
        if (!TiedEmbeddings)
        {
            yield return new("lm_head.weight", DType, [Vocab, Hidden]);
        }
    }

    public long Bytes => Tensors().Sum(t => t.ByteLength);

    public JsonObject Config() => new()
    {
        ["architectures"] = new JsonArray(Family == ModelFamily.Qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"),
        ["model_type"] = Family == ModelFamily.Qwen2 ? "qwen2" : "llama",
        ["hidden_act"] = "silu",
        ["hidden_size"] = Hidden,
        ["intermediate_size"] = Ffn,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["head_dim"] = HeadDim,
        ["vocab_size"] = Vocab,
        ["max_position_embeddings"] = MaxPositions,
        ["rms_norm_eps"] = RmsNormEps,
        ["rope_theta"] = RopeTheta,
        ["tie_word_embeddings"] = TiedEmbeddings,
        ["torch_dtype"] = DType == DType.F16 ? "float16" : "bfloat16",
    };
}
