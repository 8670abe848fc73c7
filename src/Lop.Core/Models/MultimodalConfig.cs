namespace Lop.Core.Models;

/// <summary>
/// What turns an image into language-model inputs in a LLaVA model: the vision tower, which of its
/// hidden states are used (<c>vision_feature_layer</c>, <c>vision_feature_select_strategy</c>), the
/// two-layer projector, and the token id whose positions receive the projected features.
/// </summary>
public sealed record MultimodalConfig
{
    public required VisionConfig Vision { get; init; }

    public int ImageTokenIndex { get; init; }

    /// <summary>Index into the tower's hidden states (embeddings first); negative counts from the end, -2 by default.</summary>
    public int VisionFeatureLayer { get; init; } = -2;

    /// <summary>"default" drops the class token, "full" keeps every position.</summary>
    public string SelectStrategy { get; init; } = "default";

    public string ProjectorHiddenAct { get; init; } = "gelu";

    public bool ProjectorBias { get; init; } = true;

    /// <summary>Encoder layers actually run: hidden state k is the output of layer k (0 is the embeddings).</summary>
    public int LayersUsed => VisionFeatureLayer < 0 ? Vision.NumLayers + 1 + VisionFeatureLayer : VisionFeatureLayer;

    /// <summary>Image-token positions per image: one per selected vision position.</summary>
    public int ImageTokens => Vision.NumPositions - (SelectStrategy == "default" && Vision.HasClassToken ? 1 : 0);

    /// <summary>Vision tower and projector tensors, in the engine's names (see <see cref="CheckpointLayout"/>).</summary>
    public IEnumerable<(string Name, long[] Shape)> RequiredTensors(int textHidden)
    {
        foreach (var tensor in Vision.RequiredTensors("vision_tower.vision_model."))
        {
            yield return tensor;
        }
        yield return ("multi_modal_projector.linear_1.weight", [textHidden, Vision.HiddenSize]);
        if (ProjectorBias)
        {
            yield return ("multi_modal_projector.linear_1.bias", [textHidden]);
        }
        yield return ("multi_modal_projector.linear_2.weight", [textHidden, textHidden]);
        if (ProjectorBias)
        {
            yield return ("multi_modal_projector.linear_2.bias", [textHidden]);
        }
    }
}
