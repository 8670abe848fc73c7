using System.Text;

namespace Lop.Runtime.Tests.Running;

/// <summary>
/// Writes a tiny but valid GGUF v3 file of llama.cpp's <c>llama</c> architecture with seeded random f32 weights:
/// 2 layers, hidden 64, 4 heads (2 kv heads, head dim 16), FFN 128, and a SentencePiece-style vocabulary of
/// <c>&lt;unk&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c> and the 256 byte tokens <c>&lt;0x00&gt;</c>..<c>&lt;0xFF&gt;</c>, so any text tokenizes
/// (as bytes) and any output decodes. Layout as ggml's docs/gguf.md describes it: header, metadata, tensor
/// infos, padding to the alignment, tensor data (each tensor aligned).
/// </summary>
internal static class TinyGguf
{
    public const int Layers = 2, Hidden = 64, Heads = 4, KvHeads = 2, HeadDim = Hidden / Heads, Ffn = 128, TrainedContext = 512;
    public const int Vocab = 3 + 256;
    private const int Alignment = 32;

    /// <summary>A chat template llama.cpp recognises (ChatML) without running Jinja.</summary>
    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    public static string Write(string path, int seed = 1, string? chatTemplate = null)
    {
        var random = new Random(seed);
        var tensors = new List<(string Name, long[] Shape, float[] Data)>();
        void Add(string name, float[] data, params long[] shape) => tensors.Add((name, shape, data));
        float[] Noise(long count, float scale) => Enumerable.Range(0, (int)count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
        float[] Ones(long count) => Enumerable.Repeat(1f, (int)count).ToArray();

        // ggml shapes list the fastest-varying dimension first: a [in, out] matrix maps `in` features to `out`.
        Add("token_embd.weight", Noise((long)Hidden * Vocab, 1f), Hidden, Vocab);
        for (var layer = 0; layer < Layers; layer++)
        {
            var p = $"blk.{layer}.";
            Add(p + "attn_norm.weight", Ones(Hidden), Hidden);
            Add(p + "attn_q.weight", Noise(Hidden * Hidden, 0.2f), Hidden, Hidden);
            Add(p + "attn_k.weight", Noise(Hidden * KvHeads * HeadDim, 0.2f), Hidden, KvHeads * HeadDim);
            Add(p + "attn_v.weight", Noise(Hidden * KvHeads * HeadDim, 0.2f), Hidden, KvHeads * HeadDim);
            Add(p + "attn_output.weight", Noise(Hidden * Hidden, 0.2f), Hidden, Hidden);
            Add(p + "ffn_norm.weight", Ones(Hidden), Hidden);
            Add(p + "ffn_gate.weight", Noise(Hidden * Ffn, 0.2f), Hidden, Ffn);
            Add(p + "ffn_up.weight", Noise(Hidden * Ffn, 0.2f), Hidden, Ffn);
            Add(p + "ffn_down.weight", Noise(Ffn * Hidden, 0.2f), Ffn, Hidden);
        }
        Add("output_norm.weight", Ones(Hidden), Hidden);
        Add("output.weight", OutputHead(Noise), Hidden, Vocab);

        using var stream = File.Create(path);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        var metadata = Metadata(chatTemplate);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var (key, write) in metadata)
        {
            WriteString(w, key);
            write(w);
        }
        ulong offset = 0;
        foreach (var (name, shape, data) in tensors)
        {
            WriteString(w, name);
            w.Write((uint)shape.Length);
            foreach (var d in shape)
            {
                w.Write((ulong)d);
            }
            w.Write(0u); // GGML_TYPE_F32
            w.Write(offset);
            offset = Align((ulong)(offset + (ulong)data.Length * 4));
        }
        Pad(w);
        foreach (var (_, _, data) in tensors)
        {
            foreach (var value in data)
            {
                w.Write(value);
            }
            Pad(w);
        }
        return path;
    }

    /// <summary>
    /// Byte-token rows come in pairs (v, -v) and the control tokens' rows are zero: whatever the hidden state, one
    /// of each pair scores at least zero, so greedy decoding never picks <c>&lt;/s&gt;</c> and a test gets exactly the
    /// tokens it asks for.
    /// </summary>
    private static float[] OutputHead(Func<long, float, float[]> random)
    {
        var head = new float[Hidden * Vocab];
        for (var token = 3; token < Vocab; token += 2)
        {
            var row = random(Hidden, 1f);
            row.CopyTo(head, token * Hidden);
            row.Select(v => -v).ToArray().CopyTo(head, (token + 1) * Hidden);
        }
        return head;
    }

    private static List<(string Key, Action<BinaryWriter> Write)> Metadata(string? chatTemplate)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        tokens.AddRange(Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"));
        var types = new[] { 2, 3, 3 }.Concat(Enumerable.Repeat(6, 256)).ToArray(); // unknown, control, control, byte...

        var list = new List<(string, Action<BinaryWriter>)>
        {
            ("general.architecture", String("llama")),
            ("general.name", String("lop-runtime-tiny")),
            ("general.alignment", U32(Alignment)),
            ("llama.context_length", U32(TrainedContext)),
            ("llama.embedding_length", U32(Hidden)),
            ("llama.block_count", U32(Layers)),
            ("llama.feed_forward_length", U32(Ffn)),
            ("llama.attention.head_count", U32(Heads)),
            ("llama.attention.head_count_kv", U32(KvHeads)),
            ("llama.rope.dimension_count", U32(HeadDim)),
            ("llama.attention.layer_norm_rms_epsilon", w => { w.Write(6u); w.Write(1e-5f); }),
            ("tokenizer.ggml.model", String("llama")),
            ("tokenizer.ggml.tokens", w => { w.Write(9u); w.Write(8u); w.Write((ulong)tokens.Count); tokens.ForEach(t => WriteString(w, t)); }),
            ("tokenizer.ggml.scores", w => { w.Write(9u); w.Write(6u); w.Write((ulong)tokens.Count); tokens.ForEach(_ => w.Write(0f)); }),
            ("tokenizer.ggml.token_type", w => { w.Write(9u); w.Write(5u); w.Write((ulong)types.Length); Array.ForEach(types, w.Write); }),
            ("tokenizer.ggml.unknown_token_id", U32(0)),
            ("tokenizer.ggml.bos_token_id", U32(1)),
            ("tokenizer.ggml.eos_token_id", U32(2)),
        };
        if (chatTemplate is not null)
        {
            list.Add(("tokenizer.chat_template", String(chatTemplate)));
        }
        return list;
    }

    private static Action<BinaryWriter> U32(uint value) => w => { w.Write(4u); w.Write(value); };

    private static Action<BinaryWriter> String(string value) => w => { w.Write(8u); WriteString(w, value); };

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static ulong Align(ulong offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        w.Flush();
        var position = (ulong)w.BaseStream.Position;
        w.Write(new byte[Align(position) - position]);
    }
}
