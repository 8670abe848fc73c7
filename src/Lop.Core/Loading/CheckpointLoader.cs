using Lop.Core.Errors;
using Lop.Core.Formats;
using TorchSharp;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Loading;

/// <summary>
/// Builds the engine's model from a checkpoint folder: every parameter's tensor is found by its
/// Hugging Face name (through the checkpoint's <see cref="CheckpointLayout"/>), its shape checked
/// against the config, and its bytes copied straight from the memory-mapped file into the tensor
/// (converted to the compute dtype if they differ).
/// </summary>
internal static class CheckpointLoader
{
    /// <summary>The decoder alone (a text model, or a vision-language model calibrated on text).</summary>
    public static CausalLm Load(HfCheckpoint checkpoint, ScalarType? computeType = null)
    {
        Native.TorchRuntime.EnsureLoaded(); // before the first module is constructed
        return Fill(new CausalLm(checkpoint.Config with { Multimodal = null, QwenVision = null }), checkpoint, computeType, checkpoint.Config.LanguageModelModule);
    }

    /// <summary>The whole model: LLaVA or Qwen2-VL with its vision tower when the checkpoint has one, else the decoder.</summary>
    public static IPrunableModel LoadPrunable(HfCheckpoint checkpoint, ScalarType? computeType = null)
    {
        Native.TorchRuntime.EnsureLoaded();
        return checkpoint.Config switch
        {
            { Multimodal: not null } => Fill(new LlavaModel(checkpoint.Config), checkpoint, computeType, ""),
            { QwenVision: not null } => Fill(new QwenVlModel(checkpoint.Config), checkpoint, computeType, "").KeepTowerOutOfFloat16(),
            _ => Load(checkpoint, computeType),
        };
    }

    /// <param name="module">the engine name of <paramref name="model"/> inside the whole model ("language_model." for a LLaVA decoder loaded alone)</param>
    private static T Fill<T>(T model, HfCheckpoint checkpoint, ScalarType? computeType, string module) where T : nn.Module
    {
        Native.TorchRuntime.EnsureLoaded();
        checkpoint.ValidateAgainstConfig();
        var layout = checkpoint.Config.Layout;
        var dtype = computeType ?? DTypes.ToScalarType(checkpoint.DominantDType());
        model.to(dtype);
        using var noGrad = no_grad();
        foreach (var (engineName, parameter) in model.named_parameters())
        {
            using var scope = NewDisposeScope();
            var name = layout.CheckpointName(module + engineName);
            var (file, info) = checkpoint.Get(name);
            if (!info.Shape.SequenceEqual(parameter.shape))
            {
                throw new LopException(ErrorCodes.ShapeMismatch,
                    $"tensor {name} has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", parameter.shape)}]; the checkpoint and its config.json disagree.",
                    file.Path);
            }
            parameter.copy_(ReadTensor(file, info));
        }
        model.eval();
        return model;
    }

    /// <summary>A tensor holding a copy of the checkpoint bytes, in the checkpoint's dtype.</summary>
    internal static Tensor ReadTensor(SafetensorsFile file, TensorInfo info)
    {
        var tensor = empty(info.Shape, dtype: DTypes.ToScalarType(info.DType));
        if (info.ByteLength > int.MaxValue)
        {
            throw new LopException(ErrorCodes.UnsupportedDType,
                $"tensor {info.Name} is {info.ByteLength} bytes; the engine's forward pass loads tensors of at most 2 GiB each.", file.Path);
        }
        file.Span(info, 0, (int)info.ByteLength).CopyTo(tensor.bytes);
        return tensor;
    }
}
