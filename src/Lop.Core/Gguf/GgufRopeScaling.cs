using Lop.Core.Errors;
using Lop.Core.Models;

namespace Lop.Core.Gguf;

/// <summary>
/// Scaled RoPE in a GGUF file, the way llama.cpp's own converter writes it: Llama 3 as a rope_freqs
/// tensor (each dimension's frequency divisor, read by llama and deci alike), linear and YaRN as
/// rope.scaling keys. Dynamic NTK has no GGUF form (llama.cpp does not compute it, and its converter
/// writes nothing): within the original context it equals unscaled RoPE, which is what runs.
/// </summary>
internal static class GgufRopeScaling
{
    public const string FrequencyTensor = "rope_freqs.weight";

    public static void AddMetadata(GgufMetadata metadata, ModelConfig config, string architecture, string source)
    {
        if (config.RopeScaling is not { } scaling)
        {
            return;
        }
        switch (scaling.Kind)
        {
            case RopeScalingKind.Linear:
                metadata[$"{architecture}.rope.scaling.type"] = GgufValue.String("linear");
                metadata[$"{architecture}.rope.scaling.factor"] = GgufValue.Float32((float)scaling.Factor);
                break;
            case RopeScalingKind.Yarn:
                // llama.cpp derives the attention factor (1 + 0.1 ln factor) and the ramp (beta 32 / 1) itself;
                // a checkpoint stating others would run differently there, so it is refused rather than exported wrong.
                if (scaling.AttentionFactor is not null || scaling.Mscale is not null || scaling.MscaleAllDim is not null
                    || scaling.BetaFast != 32 || scaling.BetaSlow != 1)
                {
                    throw new LopException(ErrorCodes.RopeScalingNotExportable,
                        "rope_scaling (yarn) states its own attention factor, mscale or beta_fast/beta_slow; llama.cpp's GGUF keys carry only the factor and the original context, so the exported model would rotate differently. Export without GGUF (formats: [safetensors]) or use a runtime that reads these settings.",
                        source);
                }
                metadata[$"{architecture}.rope.scaling.type"] = GgufValue.String("yarn");
                metadata[$"{architecture}.rope.scaling.factor"] = GgufValue.Float32((float)scaling.Factor);
                metadata[$"{architecture}.rope.scaling.original_context_length"] = GgufValue.UInt32((uint)scaling.OriginalMaxPositions);
                break;
        }
    }

    /// <summary>The rope_freqs tensor of a Llama 3 scaled model; none for other kinds.</summary>
    public static IEnumerable<GgufTensorToWrite> Tensors(ModelConfig config)
    {
        if (config.RopeScaling is not { Kind: RopeScalingKind.Llama3 } scaling)
        {
            yield break;
        }
        var divisors = RopeFrequencies.Llama3Divisors(config.HeadDim, config.RopeTheta, scaling).Select(d => (float)d).ToArray();
        var bytes = new byte[divisors.Length * sizeof(float)];
        Buffer.BlockCopy(divisors, 0, bytes, 0, bytes.Length);
        yield return new GgufTensorToWrite(FrequencyTensor, [divisors.Length], GgmlType.F32, bytes.Length, (output, _) => output.Write(bytes));
    }
}
