using System.Buffers.Binary;
using Lop.Core.Gguf;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// A one-layer <c>llama</c> GGUF with random F32 weights and a 256-token byte-level GPT-2 vocabulary:
/// the smallest text model llama.cpp loads, for mtmd to bind an mmproj to (mtmd requires the text
/// model's embedding size to equal the projector's output).
/// </summary>
internal static class TinyLlamaGguf
{
    public static string Write(string path, int hidden, int heads = 2, int feedForward = 16, int seed = 5)
    {
        var vocabulary = ByteTokens();
        var metadata = new GgufMetadata
        {
            ["general.architecture"] = GgufValue.String("llama"),
            ["general.name"] = GgufValue.String("tiny"),
            ["llama.context_length"] = GgufValue.UInt32(256),
            ["llama.embedding_length"] = GgufValue.UInt32((uint)hidden),
            ["llama.block_count"] = GgufValue.UInt32(1),
            ["llama.feed_forward_length"] = GgufValue.UInt32((uint)feedForward),
            ["llama.attention.head_count"] = GgufValue.UInt32((uint)heads),
            ["llama.attention.head_count_kv"] = GgufValue.UInt32((uint)heads),
            ["llama.attention.layer_norm_rms_epsilon"] = GgufValue.Float32(1e-6f),
            ["llama.rope.dimension_count"] = GgufValue.UInt32((uint)(hidden / heads)),
            ["tokenizer.ggml.model"] = GgufValue.String("gpt2"),
            ["tokenizer.ggml.pre"] = GgufValue.String("default"),
            ["tokenizer.ggml.tokens"] = GgufValue.Strings(vocabulary),
            ["tokenizer.ggml.token_type"] = GgufValue.Int32s(Enumerable.Repeat(1, vocabulary.Count).ToArray()),
            ["tokenizer.ggml.merges"] = GgufValue.Strings([]),
        };
        var random = new Random(seed);
        var vocab = vocabulary.Count;
        GgufTensorToWrite Tensor(string name, params long[] dimensions) => Random(name, dimensions, random);
        var tensors = new List<GgufTensorToWrite>
        {
            Tensor("token_embd.weight", hidden, vocab),
            Ones("output_norm.weight", hidden),
            Tensor("output.weight", hidden, vocab),
            Ones("blk.0.attn_norm.weight", hidden),
            Tensor("blk.0.attn_q.weight", hidden, hidden),
            Tensor("blk.0.attn_k.weight", hidden, hidden),
            Tensor("blk.0.attn_v.weight", hidden, hidden),
            Tensor("blk.0.attn_output.weight", hidden, hidden),
            Ones("blk.0.ffn_norm.weight", hidden),
            Tensor("blk.0.ffn_gate.weight", hidden, feedForward),
            Tensor("blk.0.ffn_up.weight", hidden, feedForward),
            Tensor("blk.0.ffn_down.weight", feedForward, hidden),
        };
        GgufWriter.Write(path, metadata, tensors);
        return path;
    }

    /// <summary>GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards.</summary>
    private static List<string> ByteTokens()
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range(0xA1, 0xAC - 0xA1 + 1)).Concat(Enumerable.Range(0xAE, 0xFF - 0xAE + 1)).ToHashSet();
        var next = 256;
        return Enumerable.Range(0, 256).Select(b => ((char)(printable.Contains(b) ? b : next++)).ToString()).ToList();
    }

    private static GgufTensorToWrite Random(string name, long[] dimensions, Random random)
    {
        var count = dimensions.Aggregate(1L, (a, b) => a * b);
        var bytes = new byte[count * 4];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), (float)(random.NextDouble() - 0.5) * 0.2f);
        }
        return new GgufTensorToWrite(name, dimensions, GgmlType.F32, bytes.Length, (stream, _) => stream.Write(bytes));
    }

    private static GgufTensorToWrite Ones(string name, long length)
    {
        var bytes = new byte[length * 4];
        for (var i = 0; i < length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), 1f);
        }
        return new GgufTensorToWrite(name, [length], GgmlType.F32, bytes.Length, (stream, _) => stream.Write(bytes));
    }
}
