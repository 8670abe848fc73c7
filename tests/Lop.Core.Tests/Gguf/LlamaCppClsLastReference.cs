using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// The engine's LLaVA image features computed the way llama.cpp's mtmd in LLamaSharp 0.30.0 arranges
/// a CLIP tower (upstream issue ggml-org/llama.cpp#25814, fix proposed in #25844): the class embedding
/// is appended after the patches instead of put first, position rows are added in order, and rows
/// 1..n are kept, so each patch gets its neighbour's position row, patch 0 is dropped and the class
/// token is projected. Built from the model's own parameters and encoder layers, this pins every
/// exported tensor of a CLIP tower to llama.cpp's output even though that output is not LLaVA's.
/// </summary>
internal static class LlamaCppClsLastReference
{
    public static Tensor ImageFeatures(LlavaModel model, Tensor pixels)
    {
        var multimodal = model.Config.Multimodal!;
        var vision = multimodal.Vision;
        var p = model.named_parameters().ToDictionary(n => n.name, n => n.parameter);
        const string tower = "vision_tower.vision_model.";
        using var scope = NewDisposeScope();
        var patches = nn.functional.conv2d(pixels, p[tower + "embeddings.patch_embedding.weight"], strides: [vision.PatchSize, vision.PatchSize])
            .flatten(2).transpose(1, 2);
        var hidden = cat([patches, p[tower + "embeddings.class_embedding"].reshape(1, 1, -1)], 1)
            + p[tower + "embeddings.position_embedding.weight"].unsqueeze(0);
        hidden = nn.functional.layer_norm(hidden, [vision.HiddenSize], p[tower + "pre_layrnorm.weight"], p[tower + "pre_layrnorm.bias"], vision.LayerNormEps);
        for (var l = 0; l < multimodal.LayersUsed; l++)
        {
            hidden = model.VisionLayers[l].forward(hidden);
        }
        var selected = hidden.narrow(1, 1, vision.NumPatches);
        var projected = nn.functional.linear(selected, p["multi_modal_projector.linear_1.weight"], p["multi_modal_projector.linear_1.bias"]);
        projected = Activations.Apply(multimodal.ProjectorHiddenAct, projected);
        return nn.functional.linear(projected, p["multi_modal_projector.linear_2.weight"], p["multi_modal_projector.linear_2.bias"]).MoveToOuterDisposeScope();
    }
}
