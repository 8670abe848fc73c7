using Lop.Core.Errors;
using Lop.Core.Models;

namespace Lop.Core.Gguf;

/// <summary>
/// Which llama.cpp architecture a decoder is written as, and why. llama.cpp's <c>llama</c> and
/// <c>qwen2</c> create every layer's FFN tensors with layer 0's width, so only uniform widths load
/// there; its <c>deci</c> architecture (Nemotron-NAS) builds layer i with
/// <c>deci.feed_forward_length[i]</c> and takes the optional q/k/v biases, so it carries any LOP variant.
/// </summary>
/// <param name="PermuteQueryKey">
/// llama and deci apply rope to interleaved pairs (ggml's NORM mode), while Hugging Face Llama/Qwen2
/// weights rotate halves; the rows of q_proj and k_proj (and their biases) are then reordered per
/// head, as llama.cpp's own converter does. qwen2 uses the rotate-half (NEOX) mode and takes them as they are.
/// </param>
public sealed record GgufArchitecture(string Name, string Reason, bool PermuteQueryKey)
{
    public static GgufArchitecture For(ModelConfig config, bool qwen2Decoder, string modelFolder)
    {
        if (config.Architecture is "Qwen2VLForConditionalGeneration" or "Qwen2_5_VLForConditionalGeneration")
        {
            throw new LopException(ErrorCodes.ArchitectureNotExportable,
                $"{config.Architecture} cannot be exported to GGUF by Lop.Build: its language model needs M-RoPE, which llama.cpp has only in its qwen2vl architecture, "
                + "and that architecture, like qwen2, gives every layer the same FFN width. Keep the safetensors variant (formats: [safetensors]) for this model.",
                Path.Combine(modelFolder, "config.json"));
        }
        if (config.MlpBias)
        {
            // llama.cpp's llama loads optional ffn biases, but whether deci (which per-layer widths need) does is not
            // something the exporter's parity tests cover: refusing beats a GGUF that silently drops FLAP's compensation.
            throw new LopException(ErrorCodes.ArchitectureNotExportable,
                "the model's FFNs carry biases (mlp_bias: true, as a FLAP-compressed model does), and Lop.Build's GGUF export does not write "
                + "llama.cpp's ffn_gate/ffn_up/ffn_down biases. Keep the safetensors variant (formats: [safetensors]) for this model.",
                Path.Combine(modelFolder, "config.json"));
        }
        var widths = config.IntermediateSizes;
        if (widths.Any(w => w <= 0))
        {
            // llama.cpp's deci graph treats a width of 0 as "no FFN" and drops that layer's attention output too.
            throw new LopException(ErrorCodes.ArchitectureNotExportable,
                $"a layer has FFN width 0, which llama.cpp would run differently from this model; widths: {string.Join(", ", widths)}.",
                Path.Combine(modelFolder, "config.json"));
        }
        var uniform = widths.All(w => w == widths[0]);
        if (!uniform)
        {
            return new("deci", $"per-layer FFN widths ({widths.Min()}..{widths.Max()}): llama.cpp's llama and qwen2 architectures take one width for every layer, deci takes one per layer", PermuteQueryKey: true);
        }
        return qwen2Decoder
            ? new("qwen2", $"uniform FFN width {widths[0]}: the stock architecture of a Qwen2 decoder", PermuteQueryKey: false)
            : new("llama", $"uniform FFN width {widths[0]}: the stock architecture of a LLaMA/Mistral decoder", PermuteQueryKey: true);
    }
}
