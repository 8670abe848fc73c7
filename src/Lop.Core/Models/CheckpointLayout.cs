namespace Lop.Core.Models;

/// <summary>
/// Where the engine's modules live in a checkpoint. The engine names its parameters one way (a text
/// decoder as <c>model.*</c> / <c>lm_head.*</c>; a LLaVA model as transformers' pre-4.52 layout,
/// <c>language_model.model.*</c>, <c>vision_tower.*</c>, <c>multi_modal_projector.*</c>; Qwen2-VL as
/// <c>language_model.*</c> and <c>visual.*</c>, which no checkpoint uses as they are); checkpoints
/// written by other transformers versions rename those prefixes, which the rules here undo.
/// </summary>
public sealed record CheckpointLayout(string Name, IReadOnlyList<(string Engine, string Checkpoint)> Rules)
{
    /// <summary>LlamaForCausalLM and friends: names as they are.</summary>
    public static CheckpointLayout CausalLm { get; } = new("causal-lm", []);

    /// <summary>LLaVA saved by transformers before 4.52: the engine's own names.</summary>
    public static CheckpointLayout LlavaLegacy { get; } = new("llava", []);

    /// <summary>LLaVA saved by transformers 4.52 and later.</summary>
    public static CheckpointLayout Llava { get; } = new("llava (transformers >= 4.52 names)",
    [
        ("language_model.model.", "model.language_model."),
        ("language_model.lm_head.", "lm_head."),
        ("vision_tower.", "model.vision_tower."),
        ("multi_modal_projector.", "model.multi_modal_projector."),
    ]);

    /// <summary>Qwen2-VL / Qwen2.5-VL before transformers 4.52: the decoder is model.* and lm_head, the vision tower visual.*.</summary>
    public static CheckpointLayout QwenVlLegacy { get; } = new("qwen2-vl",
    [
        ("language_model.model.", "model."),
        ("language_model.lm_head.", "lm_head."),
    ]);

    /// <summary>Qwen2-VL / Qwen2.5-VL from transformers 4.52 on.</summary>
    public static CheckpointLayout QwenVl { get; } = new("qwen2-vl (transformers >= 4.52 names)",
    [
        ("language_model.model.", "model.language_model."),
        ("language_model.lm_head.", "lm_head."),
        ("visual.", "model.visual."),
    ]);

    /// <summary>The checkpoint's name for an engine parameter name.</summary>
    public string CheckpointName(string engineName)
    {
        foreach (var (engine, checkpoint) in Rules)
        {
            if (engineName.StartsWith(engine, StringComparison.Ordinal))
            {
                return checkpoint + engineName[engine.Length..];
            }
        }
        return engineName;
    }

    /// <summary>
    /// Picks the layout of <paramref name="architecture"/> that the tensor names use; a name list that
    /// fits none leaves the legacy layout, whose missing tensors are then reported by name.
    /// </summary>
    public static CheckpointLayout Detect(string architecture, IReadOnlyCollection<string> tensorNames) => architecture switch
    {
        "LlavaForConditionalGeneration" => tensorNames.Any(n => n.StartsWith("model.language_model.", StringComparison.Ordinal)) ? Llava : LlavaLegacy,
        "Qwen2VLForConditionalGeneration" or "Qwen2_5_VLForConditionalGeneration" =>
            tensorNames.Any(n => n.StartsWith("model.language_model.", StringComparison.Ordinal)) ? QwenVl : QwenVlLegacy,
        _ => CausalLm,
    };
}
