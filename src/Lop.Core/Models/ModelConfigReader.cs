using System.Text.Json;
using System.Text.Json.Nodes;
using Lop.Core.Errors;

namespace Lop.Core.Models;

/// <summary>
/// Reads config.json into a <see cref="ModelConfig"/>, with Hugging Face's defaults where a field is
/// optional and a coded error naming the field where a required one is missing or wrong. Writes
/// copies with new per-layer FFN widths for pruned variants.
/// </summary>
internal static class ModelConfigReader
{
    public static ModelConfig Read(JsonObject json, string file) =>
        ArchitectureName(json, file) switch
        {
            MultimodalConfigReader.Llava => MultimodalConfigReader.ReadLlava(json, file),
            MultimodalConfigReader.Qwen2Vl or MultimodalConfigReader.Qwen25Vl => MultimodalConfigReader.ReadQwenVl(json, file),
            _ => ReadText(json, file),
        };

    /// <summary>A text decoder's config (top level of config.json, or a text_config with its architecture filled in).</summary>
    internal static ModelConfig ReadText(JsonObject json, string file, bool allowMultimodalRope = false)
    {
        var architecture = Architecture(json, file);
        var layers = Required<int>(json, "num_hidden_layers", file);
        var hidden = Required<int>(json, "hidden_size", file);
        var heads = Required<int>(json, "num_attention_heads", file);
        var kvHeads = Optional(json, "num_key_value_heads", file, heads);
        if (layers <= 0 || hidden <= 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw Invalid(file, "num_hidden_layers, hidden_size, num_attention_heads and num_key_value_heads must be positive, and num_key_value_heads must divide num_attention_heads");
        }
        var activation = Optional(json, "hidden_act", file, "silu");
        if (activation != "silu")
        {
            throw Invalid(file, $"hidden_act is {activation}; {architecture} checkpoints use silu (SwiGLU), which is what the engine computes");
        }
        // Qwen2-VL's M-RoPE also lives under rope_scaling; its reader handles it, the text scalings are read here.
        var ropeScaling = json["rope_scaling"] is JsonObject rope && allowMultimodalRope && MultimodalConfigReader.IsMultimodalRope(rope)
            ? null
            : RopeScalingJson.Read(json, file);
        return new ModelConfig
        {
            Architecture = architecture,
            HiddenSize = hidden,
            IntermediateSizes = IntermediateSizes(json, layers, file),
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = Optional(json, "head_dim", file, hidden / heads),
            VocabSize = Required<int>(json, "vocab_size", file),
            RmsNormEps = Optional(json, "rms_norm_eps", file, 1e-6),
            RopeTheta = Optional(json, "rope_theta", file, 10000.0),
            RopeScaling = ropeScaling,
            TieWordEmbeddings = Optional(json, "tie_word_embeddings", file, false),
            AttentionBias = architecture == "Qwen2ForCausalLM" || Optional(json, "attention_bias", file, false),
            // Only Hugging Face's LLaMA reads mlp_bias; its Qwen2 and Mistral FFNs have no biases whatever the file says.
            MlpBias = architecture == "LlamaForCausalLM" && Optional(json, "mlp_bias", file, false),
            MaxPositionEmbeddings = Optional(json, "max_position_embeddings", file, 2048),
            TorchDType = Optional<string?>(json, "torch_dtype", file, null),
        };
    }

    /// <summary>
    /// A copy of config.json with new FFN widths: a plain int when every layer has the same width (so
    /// stock Hugging Face loads it), otherwise one int per layer (the Gemma3n convention; see README).
    /// </summary>
    public static JsonObject WithWidths(JsonObject json, IReadOnlyList<int> widths, IReadOnlyList<int>? visionWidths = null)
    {
        var copy = (JsonObject)json.DeepClone();
        JsonNode Widths() => WidthsNode(widths);
        if (visionWidths is not null && copy["vision_config"] is JsonObject vision)
        {
            vision["intermediate_size"] = WidthsNode(visionWidths);
            if (IsQwen2Vl(copy) && visionWidths.Distinct().Count() == 1)
            {
                vision["mlp_ratio"] = QwenMlpRatio(vision, visionWidths[0]);
            }
        }
        // A vision-language model keeps its decoder's shape in text_config (LLaVA always, Qwen2-VL
        // from transformers 4.52); older Qwen2-VL files have it at the top level. Write wherever it is read.
        if (copy["text_config"] is JsonObject text && MultimodalConfigReader.IsMultimodal(copy))
        {
            text["intermediate_size"] = Widths();
            if (copy["intermediate_size"] is not null)
            {
                copy["intermediate_size"] = Widths();
            }
        }
        else
        {
            copy["intermediate_size"] = Widths();
        }
        return copy;
    }

    private static bool IsQwen2Vl(JsonObject json) =>
        json["architectures"] is JsonArray { Count: > 0 } list && list[0] is JsonValue v && v.TryGetValue<string>(out var name)
        && name == MultimodalConfigReader.Qwen2Vl;

    /// <summary>
    /// Qwen2-VL's vision MLP width as transformers reads it, int(embed_dim x mlp_ratio) (it ignores
    /// intermediate_size there): the smallest ratio from width / embed_dim up that truncates to the width.
    /// </summary>
    private static double QwenMlpRatio(JsonObject vision, int width)
    {
        var embed = vision["embed_dim"] is JsonValue e && e.TryGetValue<int>(out var d) && d > 0 ? d : 1280;
        var ratio = (double)width / embed;
        while ((int)(embed * ratio) < width)
        {
            ratio = Math.BitIncrement(ratio);
        }
        return ratio;
    }

    private static JsonNode WidthsNode(IReadOnlyList<int> widths) => widths.Distinct().Count() == 1
        ? JsonValue.Create(widths[0])
        : new JsonArray(widths.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray());

    /// <summary>The first entry of "architectures", or a coded error.</summary>
    internal static string ArchitectureName(JsonObject json, string file)
    {
        if (json["architectures"] is not JsonArray { Count: > 0 } list || list[0] is not JsonValue first || !first.TryGetValue<string>(out var name))
        {
            throw new LopException(ErrorCodes.ConfigFieldMissing,
                "config.json has no \"architectures\" list; add e.g. \"architectures\": [\"LlamaForCausalLM\"].", file);
        }
        return name;
    }

    private static string Architecture(JsonObject json, string file)
    {
        var name = ArchitectureName(json, file);
        if (!ModelConfig.SupportedArchitectures.Contains(name))
        {
            throw new LopException(ErrorCodes.UnknownArchitecture,
                $"architecture {name} is not supported; supported: {string.Join(", ", ModelConfig.SupportedArchitectures.Concat(ModelConfig.SupportedMultimodalArchitectures))}.", file);
        }
        return name;
    }

    private static int[] IntermediateSizes(JsonObject json, int layers, string file)
    {
        switch (json["intermediate_size"])
        {
            case null:
                throw Missing(file, "intermediate_size");
            case JsonArray list:
                if (list.Count != layers)
                {
                    throw Invalid(file, $"intermediate_size lists {list.Count} widths but num_hidden_layers is {layers}");
                }
                return list.Select((node, i) => node is JsonValue v && v.TryGetValue<int>(out var w) && w > 0
                    ? w
                    : throw Invalid(file, $"intermediate_size[{i}] is not a positive integer")).ToArray();
            case JsonValue value when value.TryGetValue<int>(out var width) && width > 0:
                return Enumerable.Repeat(width, layers).ToArray();
            default:
                throw Invalid(file, "intermediate_size must be a positive integer or a list of one per layer");
        }
    }

    internal static T Required<T>(JsonObject json, string field, string file)
    {
        if (json[field] is null)
        {
            throw Missing(file, field);
        }
        return Optional<T>(json, field, file, default!);
    }

    internal static T Optional<T>(JsonObject json, string field, string file, T fallback)
    {
        var node = json[field];
        if (node is null)
        {
            return fallback;
        }
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
        {
            throw Invalid(file, $"{field} is {node.ToJsonString()}, not a {typeof(T).Name.ToLowerInvariant()}");
        }
    }

    internal static LopException Missing(string file, string field) =>
        new(ErrorCodes.ConfigFieldMissing, $"config.json lacks the required field \"{field}\".", file);

    internal static LopException Invalid(string file, string what) =>
        new(ErrorCodes.ConfigFieldInvalid, $"config.json: {what}.", file);
}
