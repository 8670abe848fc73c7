using System.Text.RegularExpressions;

namespace Lop.Core.Pruning;

/// <summary>Which part of which layer's FFN a checkpoint tensor is, if any.</summary>
internal enum FfnPart
{
    /// <summary>gate_proj or up_proj weight [width, hidden] (or their bias [width]): keep rows.</summary>
    Rows,

    /// <summary>down_proj weight [hidden, width]: keep columns.</summary>
    Columns,
}

internal static partial class FfnTensorName
{
    /// <summary>
    /// Matches the decoder's FFN tensors under any prefix (model., language_model.model., ...), so the
    /// same rule serves text checkpoints and the language model inside a multimodal one.
    /// </summary>
    [GeneratedRegex(@"(^|\.)layers\.(?<layer>\d+)\.mlp\.(?<proj>gate_proj|up_proj|down_proj)\.(?<kind>weight|bias)$")]
    private static partial Regex Pattern();

    public static (int Layer, FfnPart Part)? Classify(string tensorName, string requiredPrefix = "model.")
    {
        if (!tensorName.StartsWith(requiredPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var match = Pattern().Match(tensorName);
        if (!match.Success)
        {
            return null;
        }
        var layer = int.Parse(match.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var isDown = match.Groups["proj"].Value == "down_proj";
        if (isDown && match.Groups["kind"].Value == "bias")
        {
            return null; // down_proj's bias is per hidden unit, not per neuron: copied unchanged.
        }
        return (layer, isDown ? FfnPart.Columns : FfnPart.Rows);
    }

    /// <summary>A ViT FFN tensor (fc1 rows and bias, fc2 columns) of the vision tower under <paramref name="visionPrefix"/>.</summary>
    [GeneratedRegex(@"encoder\.layers\.(?<layer>\d+)\.mlp\.(?<proj>fc1|fc2)\.(?<kind>weight|bias)$")]
    private static partial Regex VisionPattern();

    public static (int Layer, FfnPart Part)? ClassifyVision(string tensorName, string visionPrefix)
    {
        if (!tensorName.StartsWith(visionPrefix, StringComparison.Ordinal) || VisionPattern().Match(tensorName) is not { Success: true } match)
        {
            return null;
        }
        var layer = int.Parse(match.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var isFc2 = match.Groups["proj"].Value == "fc2";
        if (isFc2 && match.Groups["kind"].Value == "bias")
        {
            return null; // per hidden unit, not per neuron
        }
        return (layer, isFc2 ? FfnPart.Columns : FfnPart.Rows);
    }

    /// <summary>
    /// A Qwen vision-tower MLP tensor under <paramref name="visionPrefix"/> (visual. or model.visual.):
    /// Qwen2.5-VL's gate_proj/up_proj rows and down_proj columns, Qwen2-VL's fc1 rows and fc2 columns.
    /// </summary>
    [GeneratedRegex(@"^blocks\.(?<layer>\d+)\.mlp\.(?<proj>gate_proj|up_proj|down_proj|fc1|fc2)\.(?<kind>weight|bias)$")]
    private static partial Regex QwenVisionPattern();

    public static (int Layer, FfnPart Part)? ClassifyQwenVision(string tensorName, string visionPrefix)
    {
        if (!tensorName.StartsWith(visionPrefix, StringComparison.Ordinal)
            || QwenVisionPattern().Match(tensorName[visionPrefix.Length..]) is not { Success: true } match)
        {
            return null;
        }
        var layer = int.Parse(match.Groups["layer"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var isOutput = match.Groups["proj"].Value is "down_proj" or "fc2";
        if (isOutput && match.Groups["kind"].Value == "bias")
        {
            return null; // per hidden unit, not per neuron
        }
        return (layer, isOutput ? FfnPart.Columns : FfnPart.Rows);
    }
}
