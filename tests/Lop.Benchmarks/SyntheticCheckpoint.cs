using System.Text.Json.Nodes;
using Lop.Core.Formats;

namespace Lop.Benchmarks;

/// <summary>A model shape to generate: Qwen2-style, BF16, random weights.</summary>
internal sealed record CheckpointShape(string Name, int Layers, int Hidden, int Ffn, int Heads, int KvHeads, int HeadDim, int Vocab)
{
    public static readonly CheckpointShape[] Known =
    [
        new("qwen2.5-7b", 28, 3584, 18944, 28, 4, 128, 152064),
        new("qwen2.5-3b", 36, 2048, 11008, 16, 2, 128, 151936),
        new("qwen2.5-0.5b", 24, 896, 4864, 14, 2, 64, 151936),
    ];

    public IEnumerable<TensorEntry> Tensors()
    {
        long q = (long)Heads * HeadDim, kv = (long)KvHeads * HeadDim;
        yield return new("model.embed_tokens.weight", DType.BF16, [Vocab, Hidden]);
        for (var l = 0; l < Layers; l++)
        {
            var p = $"model.layers.{l}.";
            yield return new(p + "input_layernorm.weight", DType.BF16, [Hidden]);
            yield return new(p + "mlp.down_proj.weight", DType.BF16, [Hidden, Ffn]);
            yield return new(p + "mlp.gate_proj.weight", DType.BF16, [Ffn, Hidden]);
            yield return new(p + "mlp.up_proj.weight", DType.BF16, [Ffn, Hidden]);
            yield return new(p + "post_attention_layernorm.weight", DType.BF16, [Hidden]);
            yield return new(p + "self_attn.k_proj.bias", DType.BF16, [kv]);
            yield return new(p + "self_attn.k_proj.weight", DType.BF16, [kv, Hidden]);
            yield return new(p + "self_attn.o_proj.weight", DType.BF16, [Hidden, q]);
            yield return new(p + "self_attn.q_proj.bias", DType.BF16, [q]);
            yield return new(p + "self_attn.q_proj.weight", DType.BF16, [q, Hidden]);
            yield return new(p + "self_attn.v_proj.bias", DType.BF16, [kv]);
            yield return new(p + "self_attn.v_proj.weight", DType.BF16, [kv, Hidden]);
        }
        yield return new("model.norm.weight", DType.BF16, [Hidden]);
        yield return new("lm_head.weight", DType.BF16, [Vocab, Hidden]);
    }

    public long Bytes => Tensors().Sum(t => t.ByteLength);

    public JsonObject Config() => new()
    {
        ["architectures"] = new JsonArray("Qwen2ForCausalLM"),
        ["model_type"] = "qwen2",
        ["hidden_act"] = "silu",
        ["hidden_size"] = Hidden,
        ["intermediate_size"] = Ffn,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["vocab_size"] = Vocab,
        ["rms_norm_eps"] = 1e-6,
        ["rope_theta"] = 1000000.0,
        ["tie_word_embeddings"] = false,
        ["torch_dtype"] = "bfloat16",
    };
}

/// <summary>Writes a sharded checkpoint of ~4 GB shards (as transformers does) filled with pseudo-random bytes.</summary>
internal static class SyntheticCheckpoint
{
    private const long ShardBytes = 4L << 30;

    public static void Generate(CheckpointShape shape, string folder)
    {
        Directory.CreateDirectory(folder);
        var shards = new List<List<TensorEntry>> { new() };
        long inShard = 0;
        foreach (var tensor in shape.Tensors())
        {
            if (inShard > 0 && inShard + tensor.ByteLength > ShardBytes)
            {
                shards.Add([]);
                inShard = 0;
            }
            shards[^1].Add(tensor);
            inShard += tensor.ByteLength;
        }
        var noise = new byte[64 << 20];
        new Random(1).NextBytes(noise);
        var map = new JsonObject();
        for (var s = 0; s < shards.Count; s++)
        {
            var name = $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            using var writer = new SafetensorsWriter(Path.Combine(folder, name), shards[s]);
            var cursor = 0;
            foreach (var tensor in shards[s])
            {
                for (long left = tensor.ByteLength; left > 0;)
                {
                    var chunk = (int)Math.Min(left, noise.Length - cursor);
                    writer.WriteTensorData(tensor.Name, noise.AsSpan(cursor, chunk));
                    cursor = (cursor + chunk) % (noise.Length - 4096);
                    left -= chunk;
                }
                map[tensor.Name] = name;
            }
            writer.Commit();
            Console.Error.WriteLine($"  generated {name}");
        }
        File.WriteAllText(Path.Combine(folder, HfCheckpoint.IndexFileName),
            new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = shape.Bytes }, ["weight_map"] = map }.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "config.json"), shape.Config().ToJsonString());
    }
}
