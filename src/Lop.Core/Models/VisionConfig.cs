namespace Lop.Core.Models;

/// <summary>
/// A CLIP- or SigLIP-style ViT vision tower, as read from a LLaVA config's <c>vision_config</c>.
/// CLIP has a class token, a pre-encoder LayerNorm (<c>pre_layrnorm</c>, sic) and a bias-free patch
/// convolution; SigLIP has none of the three.
/// </summary>
public sealed record VisionConfig
{
    public const string Clip = "clip_vision_model";
    public const string Siglip = "siglip_vision_model";

    public string ModelType { get; init; } = Clip;
    public int HiddenSize { get; init; }
    public int[] IntermediateSizes { get; init; } = [];
    public int NumLayers { get; init; }
    public int NumHeads { get; init; }
    public int ImageSize { get; init; }
    public int PatchSize { get; init; }
    public int NumChannels { get; init; } = 3;
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>quick_gelu (CLIP), gelu, gelu_pytorch_tanh (SigLIP).</summary>
    public string HiddenAct { get; init; } = "quick_gelu";

    public bool HasClassToken => ModelType == Clip;

    /// <summary>transformers' default activation of a tower type (CLIPVisionConfig / SiglipVisionConfig).</summary>
    public static string DefaultHiddenAct(string modelType) => modelType == Clip ? "quick_gelu" : "gelu_pytorch_tanh";

    /// <summary>transformers' default layer-norm epsilon of a tower type.</summary>
    public static double DefaultLayerNormEps(string modelType) => modelType == Clip ? 1e-5 : 1e-6;

    public int NumPatches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    public int NumPositions => NumPatches + (HasClassToken ? 1 : 0);

    /// <summary>Tensors under <paramref name="prefix"/> (e.g. "vision_tower.vision_model.") with their shapes.</summary>
    public IEnumerable<(string Name, long[] Shape)> RequiredTensors(string prefix)
    {
        long d = HiddenSize;
        var e = prefix + "embeddings.";
        yield return (e + "patch_embedding.weight", [d, NumChannels, PatchSize, PatchSize]);
        if (HasClassToken)
        {
            yield return (e + "class_embedding", [d]);
            yield return (prefix + "pre_layrnorm.weight", [d]);
            yield return (prefix + "pre_layrnorm.bias", [d]);
        }
        else
        {
            yield return (e + "patch_embedding.bias", [d]);
        }
        yield return (e + "position_embedding.weight", [NumPositions, d]);
        for (var l = 0; l < NumLayers; l++)
        {
            var p = $"{prefix}encoder.layers.{l}.";
            foreach (var proj in (string[])["q_proj", "k_proj", "v_proj", "out_proj"])
            {
                yield return ($"{p}self_attn.{proj}.weight", [d, d]);
                yield return ($"{p}self_attn.{proj}.bias", [d]);
            }
            foreach (var norm in (string[])["layer_norm1", "layer_norm2"])
            {
                yield return ($"{p}{norm}.weight", [d]);
                yield return ($"{p}{norm}.bias", [d]);
            }
            yield return (p + "mlp.fc1.weight", [IntermediateSizes[l], d]);
            yield return (p + "mlp.fc1.bias", [IntermediateSizes[l]]);
            yield return (p + "mlp.fc2.weight", [d, IntermediateSizes[l]]);
            yield return (p + "mlp.fc2.bias", [d]);
        }
        yield return (prefix + "post_layernorm.weight", [d]);
        yield return (prefix + "post_layernorm.bias", [d]);
    }
}
