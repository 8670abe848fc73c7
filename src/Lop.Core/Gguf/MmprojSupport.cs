using Lop.Core.Errors;
using Lop.Core.Models;

namespace Lop.Core.Gguf;

/// <summary>
/// What of a vision-language model llama.cpp's LLaVA graph (tools/mtmd/models/llava.cpp, projector
/// type <c>mlp</c>) can reproduce, checked up front so an export fails before writing anything.
/// </summary>
internal static class MmprojSupport
{
    public static MultimodalConfig Check(ModelConfig config, string configFile)
    {
        if (config.Architecture != MultimodalConfigReader.Llava || config.Multimodal is not { } multimodal)
        {
            var why = config.Architecture is MultimodalConfigReader.Qwen2Vl or MultimodalConfigReader.Qwen25Vl
                ? "Qwen2-VL's windowed vision tower with 2D rotary positions and a patch merger is a different mmproj (qwen2vl_merger), which the engine neither runs nor exports"
                : "it has no LLaVA vision tower";
            throw NotExportable(configFile, $"{config.Architecture} cannot be exported as a LLaVA mmproj: {why}.");
        }
        if (multimodal.SelectStrategy == "full" && multimodal.Vision.HasClassToken)
        {
            throw NotExportable(configFile,
                "vision_feature_select_strategy is \"full\" (the class token is kept), but llama.cpp's LLaVA graph always drops a CLIP tower's class token; only \"default\" can be exported.");
        }
        if (multimodal.LayersUsed < 1)
        {
            throw NotExportable(configFile,
                $"vision_feature_layer {multimodal.VisionFeatureLayer} selects the embeddings before any encoder layer; llama.cpp's LLaVA graph takes the output of at least one layer.");
        }
        if (multimodal.ProjectorHiddenAct is not ("gelu" or "gelu_pytorch_tanh" or "gelu_new"))
        {
            throw NotExportable(configFile,
                $"projector_hidden_act is {multimodal.ProjectorHiddenAct}, but llama.cpp's mlp projector always applies GELU between linear_1 and linear_2.");
        }
        if (multimodal.Vision.HiddenAct == "relu")
        {
            throw NotExportable(configFile,
                "vision_config.hidden_act is relu; llama.cpp's vision encoder offers quick_gelu, gelu and silu only.");
        }
        return multimodal;
    }

    private static LopException NotExportable(string configFile, string message) =>
        new(ErrorCodes.ArchitectureNotExportable, message, configFile);
}
