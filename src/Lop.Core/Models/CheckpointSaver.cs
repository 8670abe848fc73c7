using System.Text.Json.Nodes;
using Lop.Core.Formats;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>Writes a <see cref="CausalLm"/> as a Hugging Face folder (config.json + model.safetensors), as save_pretrained would.</summary>
internal static class CheckpointSaver
{
    public static void Save(CausalLm model, string folder)
    {
        Directory.CreateDirectory(folder);
        var parameters = model.named_parameters().ToList();
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
        File.WriteAllText(Path.Combine(folder, "config.json"), ToJson(model.Config, dtype).ToJsonString(new() { WriteIndented = true }) + "\n");
    }

    /// <summary>config.json as transformers writes it for these architectures.</summary>
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
            ["torch_dtype"] = dtype switch
            {
                ScalarType.BFloat16 => "bfloat16",
                ScalarType.Float16 => "float16",
                _ => "float32",
            },
        };
        return json;
    }
}
