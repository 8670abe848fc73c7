using System.Text.Json.Nodes;

namespace Lop.Core.Models;

/// <summary>
/// config.json's <c>rope_scaling</c>: read (kind under <c>rope_type</c>, or <c>type</c> in older files) with
/// transformers' defaults, any kind the engine does not compute a coded error naming it; and written back.
/// </summary>
internal static class RopeScalingJson
{
    /// <summary>Null when RoPE is unscaled (no rope_scaling, or rope_type "default").</summary>
    public static RopeScaling? Read(JsonObject config, string file)
    {
        var node = config["rope_scaling"];
        if (node is null)
        {
            return null;
        }
        if (node is not JsonObject rope)
        {
            throw ModelConfigReader.Invalid(file, $"rope_scaling is {node.ToJsonString()}, not an object");
        }
        var kindName = ModelConfigReader.Optional<string?>(rope, "rope_type", file, null)
            ?? ModelConfigReader.Optional<string?>(rope, "type", file, null)
            ?? "default";
        var maxPositions = ModelConfigReader.Optional(config, "max_position_embeddings", file, 2048);
        RopeScalingKind kind;
        switch (kindName)
        {
            case "default":
                return null;
            case "linear":
                kind = RopeScalingKind.Linear;
                break;
            case "dynamic":
                kind = RopeScalingKind.Dynamic;
                break;
            case "yarn":
                kind = RopeScalingKind.Yarn;
                break;
            case "llama3":
                kind = RopeScalingKind.Llama3;
                break;
            default:
                throw ModelConfigReader.Invalid(file,
                    $"rope_scaling's kind is \"{kindName}\"; the engine computes linear, dynamic, yarn and llama3 RoPE scaling (and unscaled \"default\"), so this model cannot be pruned faithfully");
        }
        var factor = Positive(rope, "factor", file, kind == RopeScalingKind.Llama3 ? 8.0 : (double?)null);
        var scaling = new RopeScaling(kind, factor, ModelConfigReader.Optional(rope, "original_max_position_embeddings", file, maxPositions))
        {
            LowFreqFactor = Positive(rope, "low_freq_factor", file, 1.0),
            HighFreqFactor = Positive(rope, "high_freq_factor", file, 4.0),
            AttentionFactor = ModelConfigReader.Optional<double?>(rope, "attention_factor", file, null),
            BetaFast = ModelConfigReader.Optional<double?>(rope, "beta_fast", file, null) ?? 32,
            BetaSlow = ModelConfigReader.Optional<double?>(rope, "beta_slow", file, null) ?? 1,
            Mscale = ModelConfigReader.Optional<double?>(rope, "mscale", file, null),
            MscaleAllDim = ModelConfigReader.Optional<double?>(rope, "mscale_all_dim", file, null),
            MaxPositions = maxPositions,
        };
        if (kind == RopeScalingKind.Llama3 && scaling.HighFreqFactor <= scaling.LowFreqFactor)
        {
            throw ModelConfigReader.Invalid(file, $"rope_scaling's high_freq_factor ({scaling.HighFreqFactor}) must be above its low_freq_factor ({scaling.LowFreqFactor})");
        }
        if (scaling.OriginalMaxPositions <= 0)
        {
            throw ModelConfigReader.Invalid(file, "rope_scaling's original_max_position_embeddings must be positive");
        }
        return scaling;
    }

    /// <summary>The rope_scaling object transformers reads back as <paramref name="scaling"/> (the fields its kind uses).</summary>
    public static JsonObject Write(RopeScaling scaling)
    {
        var json = new JsonObject
        {
            ["rope_type"] = scaling.Kind.ToString().ToLowerInvariant(),
            ["factor"] = scaling.Factor,
            ["original_max_position_embeddings"] = scaling.OriginalMaxPositions,
        };
        if (scaling.Kind == RopeScalingKind.Llama3)
        {
            json["low_freq_factor"] = scaling.LowFreqFactor;
            json["high_freq_factor"] = scaling.HighFreqFactor;
        }
        if (scaling.Kind == RopeScalingKind.Yarn)
        {
            json["beta_fast"] = scaling.BetaFast;
            json["beta_slow"] = scaling.BetaSlow;
            if (scaling.AttentionFactor is { } attention)
            {
                json["attention_factor"] = attention;
            }
        }
        return json;
    }

    private static double Positive(JsonObject rope, string field, string file, double? fallback)
    {
        if (rope[field] is null && fallback is null)
        {
            throw ModelConfigReader.Invalid(file, $"rope_scaling lacks \"{field}\", which its kind needs");
        }
        var value = ModelConfigReader.Optional(rope, field, file, fallback ?? 0);
        return value > 0 && double.IsFinite(value)
            ? value
            : throw ModelConfigReader.Invalid(file, $"rope_scaling's {field} is {value}; it must be a positive number");
    }
}
