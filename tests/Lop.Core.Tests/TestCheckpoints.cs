using Lop.Core.Calibration;
using System.Text.Json.Nodes;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Loading;

namespace Lop.Core.Tests;

/// <summary>Temporary checkpoint folders built from tiny models; deleted with the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lop-tests", Guid.NewGuid().ToString("N"));

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

internal static class TestCheckpoints
{
    public static string Save(CausalLm model, string folder)
    {
        CheckpointSaver.Save(model, folder);
        File.WriteAllText(System.IO.Path.Combine(folder, "tokenizer_config.json"), "{\"tokenizer_class\": \"LopByteTokenizer\"}");
        return folder;
    }

    /// <summary>Re-writes a single-file checkpoint as two shards plus model.safetensors.index.json.</summary>
    public static void Shard(string folder)
    {
        var single = System.IO.Path.Combine(folder, HfCheckpoint.SingleFile);
        var map = new JsonObject();
        using (var source = SafetensorsFile.Open(single))
        {
            var tensors = source.OrderedTensors;
            var half = tensors.Count / 2;
            var parts = new[] { tensors.Take(half).ToList(), tensors.Skip(half).ToList() };
            for (var p = 0; p < 2; p++)
            {
                var name = $"model-0000{p + 1}-of-00002.safetensors";
                using var writer = new SafetensorsWriter(System.IO.Path.Combine(folder, name), parts[p].Select(t => new TensorEntry(t.Name, t.DType, t.Shape)).ToList());
                foreach (var t in parts[p])
                {
                    writer.WriteTensorData(t.Name, source.Span(t, 0, (int)t.ByteLength));
                    map[t.Name] = name;
                }
                writer.Commit();
            }
        }
        File.Delete(single);
        File.WriteAllText(System.IO.Path.Combine(folder, HfCheckpoint.IndexFileName), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());
    }

    /// <summary>Importance from one pass over random tokens (real statistics of a real forward pass).</summary>
    public static ImportanceScores Importance(CausalLm model, int vocab)
    {
        var tokens = TinyModels.Tokens(4, 12, vocab, seed: 99);
        var sequences = CalibrationSequence.FromTokens(Enumerable.Range(0, 4).Select(i => tokens[i].data<long>().Select(v => (int)v).ToArray()));
        return ImportanceScorer.Score(model, sequences, batchSize: 2);
    }
}
