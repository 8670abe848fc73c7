using System.Text.Json.Nodes;
using Lop.Core.Formats;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Loading;

/// <summary>Writes the engine's models as Hugging Face folders (config.json + model.safetensors), as save_pretrained would.</summary>
internal static class CheckpointSaver
{
    public static void Save(CausalLm model, string folder) => Save(model, folder, dtype => ToJson(model.Config, dtype));

    /// <summary>A LLaVA model, by default in transformers' pre-4.52 naming, which every transformers version loads.</summary>
    public static void Save(LlavaModel model, string folder, CheckpointLayout? layout = null) =>
        Save(model, folder, dtype => ToLlavaJson(model.Config, dtype), layout);

    /// <summary>A Qwen2-VL / Qwen2.5-VL model, by default in transformers' pre-4.52 naming (visual.*, model.*).</summary>
    public static void Save(QwenVlModel model, string folder, CheckpointLayout? layout = null) =>
        Save(model, folder, dtype => ToQwenVlJson(model.Config, dtype), layout ?? CheckpointLayout.QwenVlLegacy);

    private static void Save(nn.Module model, string folder, Func<ScalarType, JsonObject> config, CheckpointLayout? layout = null)
    {
        Directory.CreateDirectory(folder);
        var names = layout ?? CheckpointLayout.CausalLm;
        var parameters = model.named_parameters().Select(p => (name: names.CheckpointName(p.name), p.parameter)).ToList();
        var entries = parameters
            .Select(p => new TensorEntry(p.name, DTypes.FromScalarType(p.parameter.dtype), p.parameter.shape))
            .ToList();
        using (var writer = new SafetensorsWriter(Path.Combine(folder, HfCheckpoint.SingleFile), entries, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            foreach (var (name, parameter) in parameters)
            {
                using var contiguous = parameter.detach().contiguous();
                writer.WriteTensorData(name, contiguous.bytes);
            }
            writer.Commit();
        }
        var dtype = parameters.Count > 0 ? parameters[0].parameter.dtype : ScalarType.Float32;
        File.WriteAllText(Path.Combine(folder, "config.json"), config(dtype).ToJsonString(new() { WriteIndented = true }) + "\n");
    }

    /// <summary>LLaVA's config.json: the decoder as text_config, the tower as vision_config.</summary>
    public static JsonObject ToLlavaJson(ModelConfig config, ScalarType dtype)
    {
        var multimodal = config.Multimodal!;
        var vision = multimodal.Vision;
        var text = ToJson(config, dtype);
        text.Remove("architectures");
        return new JsonObject
        {
            ["architectures"] = new JsonArray("LlavaForConditionalGeneration"),
            ["model_type"] = "llava",
            ["image_token_index"] = multimodal.ImageTokenIndex,
            ["projector_hidden_act"] = multimodal.ProjectorHiddenAct,
            ["multimodal_projector_bias"] = multimodal.ProjectorBias,
            ["vision_feature_layer"] = multimodal.VisionFeatureLayer,
            ["vision_feature_select_strategy"] = multimodal.SelectStrategy,
            ["image_seq_length"] = multimodal.ImageTokens,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["torch_dtype"] = text["torch_dtype"]!.DeepClone(),
            ["text_config"] = text,
            ["vision_config"] = new JsonObject
            {
                ["model_type"] = vision.ModelType,
                ["hidden_size"] = vision.HiddenSize,
                ["intermediate_size"] = vision.IntermediateSizes.Distinct().Count() == 1
                    ? JsonValue.Create(vision.IntermediateSizes[0])
                    : new JsonArray(vision.IntermediateSizes.Select(w => (JsonNode?)w).ToArray()),
                ["num_hidden_layers"] = vision.NumLayers,
                ["num_attention_heads"] = vision.NumHeads,
                ["image_size"] = vision.ImageSize,
                ["patch_size"] = vision.PatchSize,
                ["num_channels"] = vision.NumChannels,
                ["layer_norm_eps"] = vision.LayerNormEps,
                ["hidden_act"] = vision.HiddenAct,
            },
        };
    }

    /// <summary>config.json as transformers writes it for these architectures.</summary>
    /// <summary>Qwen2-VL's config.json: the decoder as text_config with its M-RoPE sections, the tower in its version's field names.</summary>
    public static JsonObject ToQwenVlJson(ModelConfig config, ScalarType dtype)
    {
        var vision = config.QwenVision!;
        var text = ToJson(config, dtype);
        text.Remove("architectures");
        text["model_type"] = "qwen2";
        text["rope_scaling"] = new JsonObject { ["type"] = "mrope", ["mrope_section"] = new JsonArray(vision.MropeSection.Select(s => (JsonNode?)s).ToArray()) };
        var visionJson = new JsonObject
        {
            ["depth"] = vision.Depth,
            ["num_heads"] = vision.NumHeads,
            ["patch_size"] = vision.PatchSize,
            ["spatial_merge_size"] = vision.MergeSize,
            ["temporal_patch_size"] = vision.TemporalPatchSize,
            ["in_channels"] = vision.InChannels,
            ["hidden_act"] = vision.HiddenAct,
            ["intermediate_size"] = vision.IntermediateSizes.Distinct().Count() == 1
                ? JsonValue.Create(vision.IntermediateSizes[0])
                : new JsonArray(vision.IntermediateSizes.Select(w => (JsonNode?)w).ToArray()),
        };
        if (vision.Windowed)
        {
            visionJson["hidden_size"] = vision.Width;
            visionJson["out_hidden_size"] = vision.OutHiddenSize;
            visionJson["window_size"] = vision.WindowSize;
            visionJson["fullatt_block_indexes"] = new JsonArray(vision.FullAttentionBlocks.Select(b => (JsonNode?)b).ToArray());
        }
        else
        {
            visionJson["embed_dim"] = vision.Width;
            visionJson["hidden_size"] = vision.OutHiddenSize;
        }
        return new JsonObject
        {
            ["architectures"] = new JsonArray(config.Architecture),
            ["model_type"] = vision.Windowed ? "qwen2_5_vl" : "qwen2_vl",
            ["image_token_id"] = vision.ImageTokenId,
            ["vision_start_token_id"] = vision.VisionStartTokenId,
            ["vision_end_token_id"] = vision.VisionEndTokenId,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["torch_dtype"] = text["torch_dtype"]!.DeepClone(),
            ["text_config"] = text,
            ["vision_config"] = visionJson,
        };
    }

    public static JsonObject ToJson(ModelConfig config, ScalarType dtype)
    {
        var widths = config.IntermediateSizes;
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(config.Architecture),
            ["model_type"] = config.Architecture switch
            {
                "Qwen2ForCausalLM" => "qwen2",
                "MistralForCausalLM" => "mistral",
                _ => "llama",
            },
            ["hidden_act"] = "silu",
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = widths.Distinct().Count() == 1 ? JsonValue.Create(widths[0]) : new JsonArray(widths.Select(w => (JsonNode?)w).ToArray()),
            ["num_hidden_layers"] = config.NumLayers,
            ["num_attention_heads"] = config.NumHeads,
            ["num_key_value_heads"] = config.NumKvHeads,
            ["head_dim"] = config.HeadDim,
            ["vocab_size"] = config.VocabSize,
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["attention_bias"] = config.AttentionBias,
            ["mlp_bias"] = config.MlpBias,
            ["torch_dtype"] = dtype switch
            {
                ScalarType.BFloat16 => "bfloat16",
                ScalarType.Float16 => "float16",
                _ => "float32",
            },
        };
        if (config.RopeScaling is { } scaling)
        {
            json["rope_scaling"] = RopeScalingJson.Write(scaling);
        }
        return json;
    }
}
