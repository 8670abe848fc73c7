using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Lop.Core.Calibration;
using Lop.Core.Formats;

namespace Lop.Benchmarks;

/// <summary>
/// Writes a checkpoint of <see cref="CheckpointShape"/> as transformers does (~4 GB shards and an index)
/// with weights of a trained model's scale: N(0, 0.02) matrices and biases, norms of 1, so llama.cpp's
/// activations stay finite and its speed is that of ordinary numbers (random bytes would hold NaNs and
/// subnormals). The folder is marked as using the byte tokenizer, which GGUF export pads to the vocabulary.
/// </summary>
internal static class SyntheticCheckpoint
{
    private const long ShardBytes = 4L << 30;
    private const double WeightStd = 0.02;

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
        // Drawing every value would take minutes for 7B; a 64 MB pool read from shifting offsets is
        // indistinguishable for speed and size measurements.
        var noise = NormalValues(32 << 20, shape.DType, seed: 1);
        var ones = Ones(shape.Hidden, shape.DType);
        var map = new JsonObject();
        for (var s = 0; s < shards.Count; s++)
        {
            var name = $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            using var writer = new SafetensorsWriter(Path.Combine(folder, name), shards[s], new Dictionary<string, string> { ["format"] = "pt" });
            var cursor = 0;
            foreach (var tensor in shards[s])
            {
                if (IsNorm(tensor.Name))
                {
                    writer.WriteTensorData(tensor.Name, ones);
                }
                else
                {
                    for (long left = tensor.ByteLength; left > 0;)
                    {
                        var chunk = (int)Math.Min(left, noise.Length - cursor);
                        writer.WriteTensorData(tensor.Name, noise.AsSpan(cursor, chunk));
                        cursor = (cursor + chunk) % (noise.Length - 4096);
                        left -= chunk;
                    }
                }
                map[tensor.Name] = name;
            }
            writer.Commit();
            Console.Error.WriteLine($"  generated {name}");
        }
        File.WriteAllText(Path.Combine(folder, HfCheckpoint.IndexFileName),
            new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = shape.Bytes }, ["weight_map"] = map }.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "config.json"), shape.Config().ToJsonString());
        ByteTokenizer.WriteConfig(folder);
    }

    private static bool IsNorm(string name) => name.EndsWith("layernorm.weight", StringComparison.Ordinal) || name == "model.norm.weight";

    /// <summary>N(0, 0.02) by Box-Muller, stored as <paramref name="dtype"/> bytes.</summary>
    private static byte[] NormalValues(int count, DType dtype, int seed)
    {
        var random = new Random(seed);
        var size = DTypes.SizeOf(dtype);
        var bytes = new byte[count * size];
        for (var i = 0; i < count; i += 2)
        {
            var radius = WeightStd * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            var angle = 2 * Math.PI * random.NextDouble();
            Store(bytes, i, (float)(radius * Math.Cos(angle)), dtype);
            Store(bytes, i + 1, (float)(radius * Math.Sin(angle)), dtype);
        }
        return bytes;
    }

    private static byte[] Ones(int count, DType dtype)
    {
        var bytes = new byte[count * DTypes.SizeOf(dtype)];
        for (var i = 0; i < count; i++)
        {
            Store(bytes, i, 1f, dtype);
        }
        return bytes;
    }

    private static void Store(byte[] bytes, int index, float value, DType dtype)
    {
        switch (dtype)
        {
            case DType.F16:
                BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(index * 2), (Half)value);
                break;
            case DType.BF16:
                // Truncation is fine for random numbers; bfloat16 is the upper half of a float32.
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(index * 2), (ushort)(BitConverter.SingleToInt32Bits(value) >>> 16));
                break;
            case DType.F32:
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(index * 4), value);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "synthetic checkpoints are float");
        }
    }
}
