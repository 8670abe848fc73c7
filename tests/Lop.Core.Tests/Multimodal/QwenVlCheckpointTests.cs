using System.Text.Json.Nodes;
using Lop.Core.Formats;
using Lop.Core.Jobs;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Settings;
using Xunit;
using Lop.Core.Loading;
using Lop.Core.Calibration;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

/// <summary>
/// Qwen2-VL folders: the decoder is found under either naming, its FFNs pruned, the vision tower
/// (whose forward the engine does not run) copied byte for byte, and text-only calibration stated.
/// </summary>
public class QwenVlCheckpointTests
{
    private static readonly string[] VisualTensors = ["visual.patch_embed.proj.weight", "visual.blocks.0.mlp.fc1.weight", "visual.merger.mlp.0.weight"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_decoder_is_pruned_and_the_vision_tower_copied_unchanged(bool newNames)
    {
        using var temp = new TempFolder();
        var config = TinyModels.Config(attentionBias: true, tied: true);
        using var model = TinyModels.Random(config);
        var source = WriteQwenVl(model, temp.Sub("source"), newNames);

        using var checkpoint = HfCheckpoint.Open(source);
        Assert.Equal("Qwen2VLForConditionalGeneration", checkpoint.Config.Architecture);
        Assert.Equal(newNames ? "model.language_model." : "model.", checkpoint.Config.DecoderPrefix);
        Assert.Contains("text only", checkpoint.Config.TextOnlyReason!.Replace("-", " ", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        using var loaded = CheckpointLoader.Load(checkpoint);
        var tokens = TinyModels.Tokens(2, 7, config.VocabSize);
        Assert.True(TinyModels.Logits(model, tokens).eq(TinyModels.Logits(loaded, tokens)).all().item<bool>());

        var plan = PruningPlan.Create(TestCheckpoints.Importance(model, config.VocabSize), [0.5, 0.5, 0.25]);
        VariantWriter.Write(checkpoint, plan, (b, a) => VariantManifest.Create(plan, source, new string('a', 64), null, b, a), temp.Sub("variant"), SilentProgress.Instance);

        using var variant = HfCheckpoint.Open(temp.Sub("variant"));
        Assert.Equal([24, 24, 36], variant.Config.IntermediateSizes);
        foreach (var name in VisualTensors.Select(n => newNames ? "model." + n : n))
        {
            var (a, ai) = checkpoint.Get(name);
            var (b, bi) = variant.Get(name);
            Assert.True(a.Span(ai, 0, (int)ai.ByteLength).SequenceEqual(b.Span(bi, 0, (int)bi.ByteLength)), name);
        }
        var text = newNames ? variant.RawConfig["text_config"]! : variant.RawConfig;
        Assert.Equal(3, text["intermediate_size"]!.AsArray().Count);
    }

    [Fact]
    public void Text_only_calibration_of_a_qwen_vl_model_is_reported_and_written_to_the_manifest()
    {
        using var temp = new TempFolder();
        var config = TinyModels.Config(attentionBias: true, tied: true, vocab: 256);
        using var model = TinyModels.Random(config);
        var source = WriteQwenVl(model, temp.Sub("source"), newNames: false);
        var calibration = temp.Sub("calibration.txt");
        File.WriteAllText(calibration, string.Concat(Enumerable.Repeat("text for the calibration of a vision language model. ", 40)));
        var progress = new RecordingProgress();

        PruneJob.Run(new PruneRequest(source, new CalibrationOptions(calibration, SequenceLength: 32), 0.5, null, Lop.Core.Importance.ImportanceMethod.Activation, temp.Sub("variant"), CacheFolder: temp.Sub("cache")), progress);

        Assert.Contains(progress.Lines, l => l.StartsWith("calibration: text only: Qwen2-VL", StringComparison.Ordinal));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(temp.Sub("variant"), VariantManifest.FileName)))!;
        Assert.Equal("text", manifest["calibration"]!.GetValue<string>());
        Assert.Contains("Qwen2-VL", manifest["textOnlyReason"]!.GetValue<string>());
        Assert.StartsWith("copied unchanged", manifest["visionTower"]!.GetValue<string>());
    }

    /// <summary>A Qwen2-VL folder around a tiny Qwen2 decoder, with a few random vision tensors.</summary>
    internal static string WriteQwenVl(CausalLm model, string folder, bool newNames)
    {
        Directory.CreateDirectory(folder);
        var c = model.Config;
        var decoder = new JsonObject
        {
            ["hidden_size"] = c.HiddenSize, ["intermediate_size"] = c.IntermediateSizes[0], ["num_hidden_layers"] = c.NumLayers,
            ["num_attention_heads"] = c.NumHeads, ["num_key_value_heads"] = c.NumKvHeads, ["vocab_size"] = c.VocabSize,
            ["rms_norm_eps"] = c.RmsNormEps, ["rope_theta"] = c.RopeTheta, ["hidden_act"] = "silu",
            ["rope_scaling"] = new JsonObject { ["type"] = "mrope", ["mrope_section"] = new JsonArray(1, 1, 2) },
        };
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("Qwen2VLForConditionalGeneration"),
            ["model_type"] = "qwen2_vl",
            ["tie_word_embeddings"] = true,
            ["image_token_id"] = c.VocabSize - 1,
            ["vision_config"] = new JsonObject { ["depth"] = 1, ["embed_dim"] = 8 },
        };
        if (newNames)
        {
            json["text_config"] = decoder;
        }
        else
        {
            foreach (var (key, value) in decoder)
            {
                json[key] = value!.DeepClone();
            }
        }
        File.WriteAllText(Path.Combine(folder, "config.json"), json.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\"tokenizer_class\": \"LopByteTokenizer\"}");

        var layout = newNames ? CheckpointLayout.QwenVl : CheckpointLayout.QwenVlLegacy;
        var tensors = model.named_parameters().Select(p => (Name: layout.CheckpointName(p.name), Data: p.parameter.detach().contiguous())).ToList();
        using var generator = new Generator(5);
        tensors.AddRange(VisualTensors.Select(n => (newNames ? "model." + n : n, randn([8, 12], generator: generator))));
        var entries = tensors.Select(t => new TensorEntry(t.Name, DType.F32, t.Data.shape)).ToList();
        using var writer = new SafetensorsWriter(Path.Combine(folder, HfCheckpoint.SingleFile), entries, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var (name, data) in tensors)
        {
            writer.WriteTensorData(name, data.bytes);
        }
        writer.Commit();
        return folder;
    }

    private sealed class RecordingProgress : IJobProgress
    {
        public List<string> Lines { get; } = [];

        public void Report(string stage, long done, long total, string? detail = null)
        {
        }

        public void Info(string message) => Lines.Add(message);
    }
}
