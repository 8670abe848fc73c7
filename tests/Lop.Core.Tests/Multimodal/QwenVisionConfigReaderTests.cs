using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Models;
using Xunit;

namespace Lop.Core.Tests.Multimodal;

/// <summary>Hub-shaped config.json files of both towers read into the vision config, each field where that version puts it.</summary>
public class QwenVisionConfigReaderTests
{
    // Qwen2.5-VL-3B's fields (decoder at the top level, as the Hub file has it).
    private const string Qwen25Vl3B = """
        {"architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl", "hidden_size": 2048,
         "intermediate_size": 11008, "num_attention_heads": 16, "num_key_value_heads": 2, "num_hidden_layers": 36,
         "vocab_size": 151936, "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": true,
         "image_token_id": 151655, "vision_start_token_id": 151652, "vision_end_token_id": 151653,
         "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
         "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
           "in_chans": 3, "out_hidden_size": 2048, "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14,
           "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2, "temporal_patch_size": 2}}
        """;

    // Qwen2-VL-2B's fields: embed_dim is the ViT width, hidden_size the merger's output, the MLP embed_dim x mlp_ratio.
    private const string Qwen2Vl2B = """
        {"architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl", "hidden_size": 1536,
         "intermediate_size": 8960, "num_attention_heads": 12, "num_key_value_heads": 2, "num_hidden_layers": 28,
         "vocab_size": 151936, "rope_theta": 1000000.0, "hidden_act": "silu", "tie_word_embeddings": true,
         "image_token_id": 151655, "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
         "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3, "hidden_size": 1536,
           "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2}}
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(1791)]
    [InlineData(2867)]
    [InlineData(3413)]
    [InlineData(5119)]
    public void Pruned_vision_widths_are_written_where_each_hub_class_reads_them(int kept)
    {
        var qwen2 = ModelConfigReader.WithWidths(JsonNode.Parse(Qwen2Vl2B)!.AsObject(), Enumerable.Repeat(8960, 28).ToArray(), Enumerable.Repeat(kept, 32).ToArray());
        var qwen25 = ModelConfigReader.WithWidths(JsonNode.Parse(Qwen25Vl3B)!.AsObject(), Enumerable.Repeat(11008, 36).ToArray(), Enumerable.Repeat(kept, 32).ToArray());

        // transformers' Qwen2-VL block: int(embed_dim * mlp_ratio); the smallest such ratio is written.
        var ratio = qwen2["vision_config"]!["mlp_ratio"]!.GetValue<double>();
        Assert.Equal(kept, (int)(1280 * ratio));
        Assert.True((int)(1280 * Math.BitDecrement(ratio)) < kept);
        Assert.Equal(kept, qwen2["vision_config"]!["intermediate_size"]!.GetValue<int>());
        Assert.All(ModelConfigReader.Read(qwen2, "config.json").QwenVision!.IntermediateSizes, w => Assert.Equal(kept, w));
        // Qwen2.5-VL's vision config has intermediate_size itself.
        Assert.Equal(kept, qwen25["vision_config"]!["intermediate_size"]!.GetValue<int>());
        Assert.Null(qwen25["vision_config"]!["mlp_ratio"]);
        Assert.All(ModelConfigReader.Read(qwen25, "config.json").QwenVision!.IntermediateSizes, w => Assert.Equal(kept, w));
    }

    [Fact]
    public void A_qwen25_vl_config_gives_the_windowed_tower()
    {
        var config = ModelConfigReader.Read(JsonNode.Parse(Qwen25Vl3B)!.AsObject(), "config.json");
        var vision = config.QwenVision!;

        Assert.True(vision.Windowed);
        Assert.Equal((32, 1280, 16, 80, 2048, 4), (vision.Depth, vision.Width, vision.NumHeads, vision.HeadDim, vision.OutHiddenSize, vision.WindowMergedSide));
        Assert.All(vision.IntermediateSizes, w => Assert.Equal(3420, w));
        Assert.Equal([7, 15, 23, 31], vision.FullAttentionBlocks);
        Assert.Equal([16, 24, 24], vision.MropeSection);
        Assert.Equal((151655, 151652, 151653, 1176), (vision.ImageTokenId, vision.VisionStartTokenId, vision.VisionEndTokenId, vision.PatchFeatures));
        Assert.Equal("language_model.", config.LanguageModelModule);
        Assert.Contains(config.RequiredTensors(), t => t.Name == "visual.blocks.31.mlp.gate_proj.weight" && t.Shape.SequenceEqual([3420L, 1280]));
        Assert.Contains(config.RequiredTensors(), t => t.Name == "visual.merger.mlp.2.weight" && t.Shape.SequenceEqual([2048L, 5120]));
    }

    [Fact]
    public void A_qwen2_vl_config_gives_the_full_attention_tower()
    {
        var config = ModelConfigReader.Read(JsonNode.Parse(Qwen2Vl2B)!.AsObject(), "config.json");
        var vision = config.QwenVision!;

        Assert.False(vision.Windowed);
        Assert.Equal((1280, 1536, "quick_gelu"), (vision.Width, vision.OutHiddenSize, vision.HiddenAct));
        Assert.All(vision.IntermediateSizes, w => Assert.Equal(5120, w));
        Assert.Empty(vision.FullAttentionBlocks);
        Assert.Contains(config.RequiredTensors(), t => t.Name == "visual.blocks.0.norm1.bias");
        Assert.Contains(config.RequiredTensors(), t => t.Name == "visual.blocks.0.mlp.fc2.weight" && t.Shape.SequenceEqual([1280L, 5120]));
    }

    [Fact]
    public void Mrope_sections_that_do_not_fill_the_head_are_LOP2104()
    {
        var json = JsonNode.Parse(Qwen25Vl3B)!.AsObject();
        json["rope_scaling"]!["mrope_section"] = new JsonArray(16, 24, 16);

        var error = Assert.Throws<LopException>(() => ModelConfigReader.Read(json, "config.json"));
        Assert.Equal(ErrorCodes.ConfigFieldInvalid, error.Code);
        Assert.Contains("mrope_section [16, 24, 16]", error.Message, StringComparison.Ordinal);
    }
}
