using System.Buffers.Binary;
using Lop.Core.Gguf;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// A llama-architecture GGUF small enough to write in a test (1 layer, hidden 32 unless asked, 2 heads,
/// FFN 64, seeded random F32 weights) that llama.cpp loads as a real model. The caller adds the
/// tokenizer keys; the embedding and output get one row per token. mtmd also binds an mmproj to it when
/// the hidden size equals the projector's output.
/// </summary>
internal static class TinyGguf
{
    public const int Hidden = 32;
    public const int Heads = 2;
    public const int Ffn = 64;
    public const int Context = 128;

    /// <summary>The architecture keys llama.cpp requires for "llama".</summary>
    public static GgufMetadata LlamaMetadata(int hidden = Hidden)
    {
        var metadata = new GgufMetadata();
        metadata["general.architecture"] = GgufValue.String("llama");
        metadata["general.name"] = GgufValue.String("tiny");
        metadata["llama.context_length"] = GgufValue.UInt32(Context);
        metadata["llama.embedding_length"] = GgufValue.UInt32((uint)hidden);
        metadata["llama.block_count"] = GgufValue.UInt32(1);
        metadata["llama.feed_forward_length"] = GgufValue.UInt32(Ffn);
        metadata["llama.attention.head_count"] = GgufValue.UInt32(Heads);
        metadata["llama.attention.head_count_kv"] = GgufValue.UInt32(Heads);
        metadata["llama.attention.layer_norm_rms_epsilon"] = GgufValue.Float32(1e-5f);
        metadata["llama.rope.dimension_count"] = GgufValue.UInt32((uint)(hidden / Heads));
        return metadata;
    }

    /// <summary>Writes <paramref name="metadata"/> (architecture plus tokenizer keys) and the weights of a <paramref name="vocabRows"/>-token model.</summary>
    public static void Write(string path, GgufMetadata metadata, int vocabRows, int seed = 1, int hidden = Hidden)
    {
        var random = new Random(seed);
        GgufTensorToWrite Tensor(string name, params long[] dimensions) => F32(name, dimensions, random);
        GgufTensorToWrite Norm(string name) => F32(name, [hidden], random: null);
        var tensors = new List<GgufTensorToWrite>
        {
            // ggml order: innermost dimension first, so an [out, in] weight is [in, out].
            Tensor("token_embd.weight", hidden, vocabRows),
            Norm("output_norm.weight"),
            Tensor("output.weight", hidden, vocabRows),
            Norm("blk.0.attn_norm.weight"),
            Tensor("blk.0.attn_q.weight", hidden, hidden),
            Tensor("blk.0.attn_k.weight", hidden, hidden),
            Tensor("blk.0.attn_v.weight", hidden, hidden),
            Tensor("blk.0.attn_output.weight", hidden, hidden),
            Norm("blk.0.ffn_norm.weight"),
            Tensor("blk.0.ffn_gate.weight", hidden, Ffn),
            Tensor("blk.0.ffn_up.weight", hidden, Ffn),
            Tensor("blk.0.ffn_down.weight", Ffn, hidden),
        };
        GgufWriter.Write(path, metadata, tensors);
    }

    /// <summary>Random values in [-0.1, 0.1), or ones (RMS norm weights) when <paramref name="random"/> is null.</summary>
    private static GgufTensorToWrite F32(string name, long[] dimensions, Random? random)
    {
        var count = dimensions.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[count * 4];
        for (var i = 0; i < count; i++)
        {
            var value = random is null ? 1f : (float)(random.NextDouble() * 0.2 - 0.1);
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), value);
        }
        return new GgufTensorToWrite(name, dimensions, GgmlType.F32, bytes.Length, (stream, _) => stream.Write(bytes));
    }
}
