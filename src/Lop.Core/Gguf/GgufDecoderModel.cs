using Lop.Core.Formats;
using Lop.Core.Models;

namespace Lop.Core.Gguf;

/// <summary>
/// The language model of a checkpoint as llama.cpp sees it: architecture keys and the tensor list in
/// llama.cpp's names (token_embd, blk.N.attn_q, ..., output). A LLaVA checkpoint contributes its
/// decoder only; its vision tower and projector go to a separate mmproj file.
/// </summary>
internal static class GgufDecoderModel
{
    public static void AddHyperparameters(GgufMetadata metadata, ModelConfig config, GgufArchitecture architecture)
    {
        var a = architecture.Name;
        metadata[$"{a}.context_length"] = GgufValue.UInt32((uint)config.MaxPositionEmbeddings);
        metadata[$"{a}.embedding_length"] = GgufValue.UInt32((uint)config.HiddenSize);
        metadata[$"{a}.block_count"] = GgufValue.UInt32((uint)config.NumLayers);
        metadata[$"{a}.feed_forward_length"] = architecture.Name == "deci"
            ? GgufValue.Int32s(config.IntermediateSizes)
            : GgufValue.UInt32((uint)config.IntermediateSizes[0]);
        metadata[$"{a}.attention.head_count"] = GgufValue.UInt32((uint)config.NumHeads);
        metadata[$"{a}.attention.head_count_kv"] = GgufValue.UInt32((uint)config.NumKvHeads);
        metadata[$"{a}.attention.layer_norm_rms_epsilon"] = GgufValue.Float32((float)config.RmsNormEps);
        metadata[$"{a}.rope.freq_base"] = GgufValue.Float32((float)config.RopeTheta);
        metadata[$"{a}.rope.dimension_count"] = GgufValue.UInt32((uint)config.HeadDim);
        if (config.HeadDim * config.NumHeads != config.HiddenSize)
        {
            // llama.cpp assumes hidden / heads unless told.
            metadata[$"{a}.attention.key_length"] = GgufValue.UInt32((uint)config.HeadDim);
            metadata[$"{a}.attention.value_length"] = GgufValue.UInt32((uint)config.HeadDim);
        }
        metadata[$"{a}.vocab_size"] = GgufValue.UInt32((uint)config.VocabSize);
    }

    /// <summary>Every decoder tensor, 2-D weights in <paramref name="weightType"/>, norms and biases in F32 (as llama.cpp's converter writes them).</summary>
    public static List<GgufTensorToWrite> Tensors(HfCheckpoint checkpoint, GgufArchitecture architecture, GgmlType weightType)
    {
        var config = checkpoint.Config;
        string Name(string engineName) => config.Layout.CheckpointName(config.LanguageModelModule + engineName);
        GgufTensorToWrite Weight(string engine, string gguf, int ropeHeads = 0) =>
            CheckpointTensorSource.Create(checkpoint, Name(engine), gguf, weightType, architecture.PermuteQueryKey ? ropeHeads : 0);
        GgufTensorToWrite Vector(string engine, string gguf, int ropeHeads = 0) =>
            CheckpointTensorSource.Create(checkpoint, Name(engine), gguf, GgmlType.F32, architecture.PermuteQueryKey ? ropeHeads : 0);

        var tensors = new List<GgufTensorToWrite> { Weight("model.embed_tokens.weight", "token_embd.weight") };
        tensors.AddRange(GgufRopeScaling.Tensors(config));
        for (var l = 0; l < config.NumLayers; l++)
        {
            var p = $"model.layers.{l}.";
            var b = $"blk.{l}.";
            tensors.Add(Vector(p + "input_layernorm.weight", b + "attn_norm.weight"));
            tensors.Add(Weight(p + "self_attn.q_proj.weight", b + "attn_q.weight", config.NumHeads));
            tensors.Add(Weight(p + "self_attn.k_proj.weight", b + "attn_k.weight", config.NumKvHeads));
            tensors.Add(Weight(p + "self_attn.v_proj.weight", b + "attn_v.weight"));
            if (config.AttentionBias)
            {
                tensors.Add(Vector(p + "self_attn.q_proj.bias", b + "attn_q.bias", config.NumHeads));
                tensors.Add(Vector(p + "self_attn.k_proj.bias", b + "attn_k.bias", config.NumKvHeads));
                tensors.Add(Vector(p + "self_attn.v_proj.bias", b + "attn_v.bias"));
            }
            tensors.Add(Weight(p + "self_attn.o_proj.weight", b + "attn_output.weight"));
            tensors.Add(Vector(p + "post_attention_layernorm.weight", b + "ffn_norm.weight"));
            tensors.Add(Weight(p + "mlp.gate_proj.weight", b + "ffn_gate.weight"));
            tensors.Add(Weight(p + "mlp.up_proj.weight", b + "ffn_up.weight"));
            tensors.Add(Weight(p + "mlp.down_proj.weight", b + "ffn_down.weight"));
        }
        tensors.Add(Vector("model.norm.weight", "output_norm.weight"));
        if (!config.TieWordEmbeddings)
        {
            tensors.Add(Weight("lm_head.weight", "output.weight"));
        }
        return tensors;
    }
}
