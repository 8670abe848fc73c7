using System.Text.Json.Nodes;

namespace Lop.Core.Models;

/// <summary>
/// Reads a Qwen2-VL / Qwen2.5-VL config.json's vision_config, image token ids and M-RoPE sections.
/// transformers omits fields equal to the class defaults, so those are filled in here; they differ
/// between the two towers (2.5-VL: hidden_size is the ViT width, out_hidden_size the merger's output;
/// 2-VL: embed_dim is the ViT width, hidden_size the merger's output, MLP width embed_dim x mlp_ratio).
/// </summary>
internal static class QwenVisionConfigReader
{
    public static QwenVisionConfig Read(JsonObject json, bool windowed, JsonObject textJson, string file)
    {
        if (json["vision_config"] is not JsonObject vision)
        {
            throw ModelConfigReader.Missing(file, "vision_config");
        }
        var depth = ModelConfigReader.Optional(vision, "depth", file, 32);
        var width = windowed
            ? ModelConfigReader.Optional(vision, "hidden_size", file, 3584)
            : ModelConfigReader.Optional(vision, "embed_dim", file, 1280);
        var defaultMlp = windowed ? 3420 : (int)(width * ModelConfigReader.Optional(vision, "mlp_ratio", file, 4.0));
        var config = new QwenVisionConfig
        {
            Windowed = windowed,
            Depth = depth,
            Width = width,
            IntermediateSizes = Widths(vision, depth, defaultMlp, file),
            NumHeads = ModelConfigReader.Optional(vision, "num_heads", file, 16),
            OutHiddenSize = windowed
                ? ModelConfigReader.Optional(vision, "out_hidden_size", file, 3584)
                : ModelConfigReader.Optional(vision, "hidden_size", file, 3584),
            PatchSize = ModelConfigReader.Optional(vision, "patch_size", file, 14),
            MergeSize = ModelConfigReader.Optional(vision, "spatial_merge_size", file, 2),
            TemporalPatchSize = ModelConfigReader.Optional(vision, "temporal_patch_size", file, 2),
            InChannels = vision["in_chans"] is not null
                ? ModelConfigReader.Optional(vision, "in_chans", file, 3)
                : ModelConfigReader.Optional(vision, "in_channels", file, 3),
            WindowSize = ModelConfigReader.Optional(vision, "window_size", file, 112),
            FullAttentionBlocks = windowed ? Ints(vision, "fullatt_block_indexes", [7, 15, 23, 31], file) : [],
            HiddenAct = ModelConfigReader.Optional(vision, "hidden_act", file, windowed ? "silu" : "quick_gelu"),
            ImageTokenId = ModelConfigReader.Optional(json, "image_token_id", file, 151655),
            VisionStartTokenId = ModelConfigReader.Optional(json, "vision_start_token_id", file, 151652),
            VisionEndTokenId = ModelConfigReader.Optional(json, "vision_end_token_id", file, 151653),
            MropeSection = MropeSection(textJson, json, file),
        };
        if (config.Depth <= 0 || config.Width <= 0 || config.NumHeads <= 0 || config.Width % config.NumHeads != 0 || config.HeadDim % 4 != 0
            || config.PatchSize <= 0 || config.MergeSize <= 0 || config.TemporalPatchSize <= 0 || config.InChannels != 3 || config.OutHiddenSize <= 0)
        {
            throw ModelConfigReader.Invalid(file,
                "vision_config: the width must be a positive multiple of num_heads with a head dimension divisible by 4 (two rotary axes), "
                + "patch, merge and temporal sizes positive, 3 input channels");
        }
        if (windowed && (config.WindowMergedSide <= 0 || config.WindowSize % (config.PatchSize * config.MergeSize) != 0))
        {
            throw ModelConfigReader.Invalid(file, $"vision_config.window_size {config.WindowSize} must be a positive multiple of patch_size x spatial_merge_size");
        }
        if (config.FullAttentionBlocks.Any(b => b < 0 || b >= depth))
        {
            throw ModelConfigReader.Invalid(file, $"vision_config.fullatt_block_indexes must be block numbers below depth {depth}");
        }
        Activations.Check(config.HiddenAct, "vision_config.hidden_act", file);
        return config;
    }

    /// <summary>rope_scaling.mrope_section (or rope_parameters in transformers 5), in the decoder's config or the top level.</summary>
    private static int[] MropeSection(JsonObject textJson, JsonObject json, string file)
    {
        foreach (var holder in (JsonObject[])[textJson, json])
        {
            foreach (var field in (string[])["rope_scaling", "rope_parameters"])
            {
                if (holder[field] is JsonObject rope && rope["mrope_section"] is not null)
                {
                    return Ints(rope, "mrope_section", [], file);
                }
            }
        }
        return [16, 24, 24];
    }

    private static int[] Widths(JsonObject vision, int depth, int fallback, string file) => vision["intermediate_size"] switch
    {
        null => Enumerable.Repeat(fallback, depth).ToArray(),
        JsonArray list when list.Count == depth => Ints(vision, "intermediate_size", [], file),
        JsonValue value when value.TryGetValue<int>(out var w) && w > 0 => Enumerable.Repeat(w, depth).ToArray(),
        _ => throw ModelConfigReader.Invalid(file, "vision_config.intermediate_size must be a positive integer or one per block"),
    };

    private static int[] Ints(JsonObject json, string field, int[] fallback, string file) => json[field] switch
    {
        null => fallback,
        JsonArray list when list.All(n => n is JsonValue v && v.TryGetValue<int>(out var i) && i >= 0) => list.Select(n => n!.GetValue<int>()).ToArray(),
        var node => throw ModelConfigReader.Invalid(file, $"{field} is {node.ToJsonString()}, not a list of non-negative integers"),
    };
}
