using System.Text.Json.Nodes;
using Lop.Core.Errors;

namespace Lop.Core.Models;

/// <summary>
/// Reads the config.json of a vision-language model: its decoder (<c>text_config</c>, or the top level
/// for older Qwen2-VL files) through <see cref="ModelConfigReader.ReadText"/>, and for LLaVA the vision
/// tower and projector. transformers omits fields equal to their defaults (llava-1.5's text_config
/// names little more than its model_type), so those defaults are filled in here, per model_type, and
/// whatever disagrees with the tensors is then caught by the shape check.
/// </summary>
internal static class MultimodalConfigReader
{
    public const string Llava = "LlavaForConditionalGeneration";
    public const string Qwen2Vl = "Qwen2VLForConditionalGeneration";
    public const string Qwen25Vl = "Qwen2_5_VLForConditionalGeneration";

    private static readonly Dictionary<string, (string Architecture, JsonObject Defaults)> TextDefaults = new()
    {
        ["llama"] = ("LlamaForCausalLM", new JsonObject
        {
            ["vocab_size"] = 32000, ["hidden_size"] = 4096, ["intermediate_size"] = 11008, ["num_hidden_layers"] = 32,
            ["num_attention_heads"] = 32, ["max_position_embeddings"] = 2048, ["rms_norm_eps"] = 1e-6,
        }),
        ["mistral"] = ("MistralForCausalLM", new JsonObject
        {
            ["vocab_size"] = 32000, ["hidden_size"] = 4096, ["intermediate_size"] = 14336, ["num_hidden_layers"] = 32,
            ["num_attention_heads"] = 32, ["num_key_value_heads"] = 8, ["max_position_embeddings"] = 131072, ["rms_norm_eps"] = 1e-6,
        }),
        ["qwen2"] = ("Qwen2ForCausalLM", new JsonObject
        {
            ["vocab_size"] = 151936, ["hidden_size"] = 4096, ["intermediate_size"] = 22016, ["num_hidden_layers"] = 32,
            ["num_attention_heads"] = 32, ["num_key_value_heads"] = 32, ["max_position_embeddings"] = 32768, ["rms_norm_eps"] = 1e-6,
        }),
    };

    public static bool IsMultimodal(JsonObject json) =>
        json["architectures"] is JsonArray { Count: > 0 } list && list[0] is JsonValue v && v.TryGetValue<string>(out var name)
        && ModelConfig.SupportedMultimodalArchitectures.Contains(name);

    /// <summary>Qwen2-VL's M-RoPE: with text only, its three position ids are equal and it is plain RoPE.</summary>
    public static bool IsMultimodalRope(JsonObject rope) =>
        rope["mrope_section"] is not null
        || (rope["type"] ?? rope["rope_type"]) is JsonValue kind && kind.TryGetValue<string>(out var name) && name == "mrope";

    public static ModelConfig ReadLlava(JsonObject json, string file)
    {
        if (json["text_config"] is not JsonObject textJson)
        {
            throw ModelConfigReader.Missing(file, "text_config");
        }
        var text = ModelConfigReader.ReadText(WithTextDefaults(textJson, "text_config", file, json), file) with { Architecture = Llava };
        if (json["vision_config"] is not JsonObject visionJson)
        {
            throw ModelConfigReader.Missing(file, "vision_config");
        }
        var vision = ReadVision(visionJson, file);
        var imageToken = json["image_token_index"] is not null
            ? ModelConfigReader.Required<int>(json, "image_token_index", file)
            : ModelConfigReader.Optional(json, "image_token_id", file, 32000);
        if (imageToken < 0 || imageToken >= text.VocabSize)
        {
            throw ModelConfigReader.Invalid(file,
                $"image_token_index {imageToken} is outside the language model's vocabulary (0..{text.VocabSize - 1}); the image token must have a row in embed_tokens");
        }
        if (json["vision_feature_layer"] is JsonArray)
        {
            throw ModelConfigReader.Invalid(file, "vision_feature_layer is a list (features of several layers concatenated); only one layer is supported");
        }
        var featureLayer = ModelConfigReader.Optional(json, "vision_feature_layer", file, -2);
        var strategy = ModelConfigReader.Optional(json, "vision_feature_select_strategy", file, "default");
        if (strategy is not ("default" or "full"))
        {
            throw ModelConfigReader.Invalid(file, $"vision_feature_select_strategy is {strategy}; it must be \"default\" or \"full\"");
        }
        var multimodal = new MultimodalConfig
        {
            Vision = vision,
            ImageTokenIndex = imageToken,
            VisionFeatureLayer = featureLayer,
            SelectStrategy = strategy,
            ProjectorHiddenAct = ModelConfigReader.Optional(json, "projector_hidden_act", file, "gelu"),
            ProjectorBias = ModelConfigReader.Optional(json, "multimodal_projector_bias", file, true),
        };
        if (multimodal.LayersUsed is < 0 || multimodal.LayersUsed > vision.NumLayers)
        {
            throw ModelConfigReader.Invalid(file, $"vision_feature_layer {featureLayer} is outside the vision tower's {vision.NumLayers + 1} hidden states");
        }
        Activations.Check(multimodal.ProjectorHiddenAct, "projector_hidden_act", file);
        return text with { Multimodal = multimodal, Layout = CheckpointLayout.LlavaLegacy };
    }

    public static ModelConfig ReadQwenVl(JsonObject json, string file)
    {
        var architecture = ModelConfigReader.ArchitectureName(json, file);
        // transformers 4.52+ nests the decoder in text_config; before, it is the top level.
        var source = json["text_config"] is JsonObject nested ? nested : json;
        var textJson = (JsonObject)source.DeepClone();
        textJson["architectures"] = new JsonArray("Qwen2ForCausalLM");
        if (textJson["tie_word_embeddings"] is null && json["tie_word_embeddings"] is JsonNode tie)
        {
            textJson["tie_word_embeddings"] = tie.DeepClone();
        }
        var text = ModelConfigReader.ReadText(textJson, file, allowMultimodalRope: true);
        var vision = QwenVisionConfigReader.Read(json, architecture == Qwen25Vl, textJson, file);
        if (vision.OutHiddenSize != text.HiddenSize || vision.MropeSection.Sum() * 2 != text.HeadDim
            || vision.ImageTokenId < 0 || vision.ImageTokenId >= text.VocabSize)
        {
            throw ModelConfigReader.Invalid(file,
                $"the vision merger's output ({vision.OutHiddenSize}) must be the decoder's hidden_size ({text.HiddenSize}), mrope_section "
                + $"[{string.Join(", ", vision.MropeSection)}] must add up to half the head dimension ({text.HeadDim}), and image_token_id "
                + $"{vision.ImageTokenId} must be inside the vocabulary (0..{text.VocabSize - 1})");
        }
        return text with { Architecture = architecture, QwenVision = vision, Layout = CheckpointLayout.QwenVlLegacy };
    }

    private static JsonObject WithTextDefaults(JsonObject textJson, string field, string file, JsonObject top)
    {
        var modelType = ModelConfigReader.Optional(textJson, "model_type", file, "llama");
        if (!TextDefaults.TryGetValue(modelType, out var known))
        {
            throw new LopException(ErrorCodes.UnknownArchitecture,
                $"{field}.model_type is {modelType}; supported language models: {string.Join(", ", TextDefaults.Keys)}.", file);
        }
        var merged = (JsonObject)textJson.DeepClone();
        foreach (var (key, value) in known.Defaults)
        {
            if (merged[key] is null)
            {
                merged[key] = value!.DeepClone();
            }
        }
        merged["architectures"] = new JsonArray(known.Architecture);
        if (merged["tie_word_embeddings"] is null && top["tie_word_embeddings"] is JsonNode tie)
        {
            merged["tie_word_embeddings"] = tie.DeepClone();
        }
        if (merged["torch_dtype"] is null && top["torch_dtype"] is JsonNode dtype)
        {
            merged["torch_dtype"] = dtype.DeepClone();
        }
        return merged;
    }

    private static VisionConfig ReadVision(JsonObject json, string file)
    {
        var modelType = ModelConfigReader.Optional(json, "model_type", file, VisionConfig.Clip);
        var isClip = modelType == VisionConfig.Clip;
        if (!isClip && modelType != VisionConfig.Siglip)
        {
            throw new LopException(ErrorCodes.UnknownArchitecture,
                $"vision_config.model_type is {modelType}; supported vision towers: {VisionConfig.Clip}, {VisionConfig.Siglip}.", file);
        }
        var layers = ModelConfigReader.Optional(json, "num_hidden_layers", file, 12);
        var vision = new VisionConfig
        {
            ModelType = modelType,
            HiddenSize = ModelConfigReader.Optional(json, "hidden_size", file, 768),
            IntermediateSizes = VisionWidths(json, layers, file),
            NumLayers = layers,
            NumHeads = ModelConfigReader.Optional(json, "num_attention_heads", file, 12),
            ImageSize = ModelConfigReader.Optional(json, "image_size", file, 224),
            PatchSize = ModelConfigReader.Optional(json, "patch_size", file, isClip ? 32 : 16),
            NumChannels = ModelConfigReader.Optional(json, "num_channels", file, 3),
            LayerNormEps = ModelConfigReader.Optional(json, "layer_norm_eps", file, VisionConfig.DefaultLayerNormEps(modelType)),
            HiddenAct = ModelConfigReader.Optional(json, "hidden_act", file, VisionConfig.DefaultHiddenAct(modelType)),
        };
        if (vision.HiddenSize <= 0 || vision.NumHeads <= 0 || vision.HiddenSize % vision.NumHeads != 0 || vision.PatchSize <= 0
            || vision.ImageSize % vision.PatchSize != 0 || vision.NumChannels != 3 || layers <= 0)
        {
            throw ModelConfigReader.Invalid(file,
                "vision_config: hidden_size must be a positive multiple of num_attention_heads, image_size a multiple of patch_size, num_channels 3");
        }
        Activations.Check(vision.HiddenAct, "vision_config.hidden_act", file);
        return vision;
    }

    /// <summary>vision_config.intermediate_size: an int, or one per layer in a variant whose vision FFNs were pruned.</summary>
    private static int[] VisionWidths(JsonObject json, int layers, string file) => json["intermediate_size"] switch
    {
        null => Enumerable.Repeat(3072, layers).ToArray(),
        JsonArray list when list.Count == layers => list.Select((n, i) => n is JsonValue v && v.TryGetValue<int>(out var w) && w > 0
            ? w : throw ModelConfigReader.Invalid(file, $"vision_config.intermediate_size[{i}] is not a positive integer")).ToArray(),
        JsonValue value when value.TryGetValue<int>(out var width) && width > 0 => Enumerable.Repeat(width, layers).ToArray(),
        _ => throw ModelConfigReader.Invalid(file, "vision_config.intermediate_size must be a positive integer or one per layer"),
    };
}
