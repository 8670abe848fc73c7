using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Models;

namespace Lop.Core.Tests.Formats;

public class HfCheckpointTests
{
    private static string SaveTiny(TempFolder temp, bool bias = false)
    {
        var model = TinyModels.Random(TinyModels.Config(layers: 2, attentionBias: bias));
        return TestCheckpoints.Save(model, temp.Sub("model"));
    }

    private static void EditConfig(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, "config.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    private static LopException OpenFails(string folder) =>
        Assert.Throws<LopException>(() =>
        {
            using var checkpoint = HfCheckpoint.Open(folder);
            checkpoint.ValidateAgainstConfig();
        });

    [Fact]
    public void Reads_the_config_of_each_supported_architecture()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp, bias: true);
        using var checkpoint = HfCheckpoint.Open(folder);

        var config = checkpoint.Config;
        Assert.Equal("Qwen2ForCausalLM", config.Architecture);
        Assert.True(config.AttentionBias);
        Assert.Equal((4, 2, 8), (config.NumHeads, config.NumKvHeads, config.HeadDim));
        Assert.Equal([48, 48], config.IntermediateSizes);
        checkpoint.ValidateAgainstConfig();
    }

    [Fact]
    public void Sharded_and_single_file_checkpoints_hold_the_same_tensors_and_fingerprint_differently()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        string single;
        IReadOnlyCollection<string> names;
        using (var checkpoint = HfCheckpoint.Open(folder))
        {
            single = checkpoint.Fingerprint();
            names = checkpoint.TensorNames.Order().ToList();
        }
        TestCheckpoints.Shard(folder);

        using var sharded = HfCheckpoint.Open(folder);
        Assert.Equal(2, sharded.Shards.Count);
        Assert.Equal(names, sharded.TensorNames.Order());
        Assert.NotEqual(single, sharded.Fingerprint());
        Assert.Equal(sharded.Fingerprint(), sharded.Fingerprint());
        sharded.ValidateAgainstConfig();
    }

    [Fact]
    public void A_missing_config_names_the_folder()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        File.Delete(Path.Combine(folder, "config.json"));

        var error = OpenFails(folder);

        Assert.Equal(ErrorCodes.ConfigMissing, error.Code);
        Assert.Contains(folder, error.Message);
    }

    [Fact]
    public void An_unknown_architecture_lists_the_supported_ones()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        EditConfig(folder, c => c["architectures"] = new JsonArray("GPT2LMHeadModel"));

        var error = OpenFails(folder);

        Assert.Equal(ErrorCodes.UnknownArchitecture, error.Code);
        Assert.Contains("Qwen2ForCausalLM", error.Message);
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("vocab_size")]
    [InlineData("intermediate_size")]
    public void A_missing_config_field_is_named(string field)
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        EditConfig(folder, c => c.Remove(field));

        var error = OpenFails(folder);

        Assert.Equal(ErrorCodes.ConfigFieldMissing, error.Code);
        Assert.Contains($"\"{field}\"", error.Message);
        Assert.EndsWith("config.json", error.File);
    }

    [Fact]
    public void Per_layer_widths_must_have_one_entry_per_layer()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        EditConfig(folder, c => c["intermediate_size"] = new JsonArray(48, 48, 48));

        Assert.Equal(ErrorCodes.ConfigFieldInvalid, OpenFails(folder).Code);
    }

    [Fact]
    public void A_tensor_the_architecture_needs_is_reported_when_missing()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        EditConfig(folder, c => c["attention_bias"] = true);

        var error = OpenFails(folder);

        Assert.Equal(ErrorCodes.MissingTensor, error.Code);
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", error.Message);
    }

    [Fact]
    public void A_config_that_disagrees_with_a_tensor_shape_names_both()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        EditConfig(folder, c => c["intermediate_size"] = 40);

        var error = OpenFails(folder);

        Assert.Equal(ErrorCodes.ShapeMismatch, error.Code);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", error.Message);
        Assert.Contains("[48, 32]", error.Message);
        Assert.Contains("[40, 32]", error.Message);
    }

    [Fact]
    public void A_shard_missing_from_disk_is_named()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        TestCheckpoints.Shard(folder);
        File.Delete(Path.Combine(folder, "model-00002-of-00002.safetensors"));

        var error = OpenFails(folder);

        Assert.Equal(ErrorCodes.InvalidShardIndex, error.Code);
        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
    }

    [Fact]
    public void A_llama3_rope_scaling_is_read_and_a_kind_the_engine_does_not_compute_is_refused_rather_than_ignored()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        EditConfig(folder, c => c["rope_scaling"] = new JsonObject { ["type"] = "llama3", ["factor"] = 8.0 });
        using (var checkpoint = HfCheckpoint.Open(folder))
        {
            Assert.Equal(RopeScalingKind.Llama3, checkpoint.Config.RopeScaling!.Kind);
        }

        EditConfig(folder, c => c["rope_scaling"] = new JsonObject { ["type"] = "su", ["factor"] = 8.0 });

        Assert.Equal(ErrorCodes.ConfigFieldInvalid, OpenFails(folder).Code);
    }

    [Fact]
    public void A_variant_config_keeps_a_plain_int_when_widths_are_uniform()
    {
        var json = new JsonObject { ["intermediate_size"] = 48, ["other"] = "kept" };

        Assert.Equal(24, (int)ModelConfigReader.WithWidths(json, [24, 24])["intermediate_size"]!);
        Assert.Equal([24, 30], ModelConfigReader.WithWidths(json, [24, 30])["intermediate_size"]!.AsArray().Select(n => (int)n!));
        Assert.Equal("kept", (string)ModelConfigReader.WithWidths(json, [24, 30])["other"]!);
        Assert.Equal(48, (int)json["intermediate_size"]!);
    }
}
