using Lop.Core.Errors;
using Lop.Core.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Builds a <see cref="CausalLm"/> from a checkpoint folder: every parameter's tensor is found by its
/// Hugging Face name, its shape checked against the config, and its bytes copied straight from the
/// memory-mapped file into the tensor (converted to the compute dtype if they differ).
/// </summary>
internal static class CheckpointLoader
{
    public static CausalLm Load(HfCheckpoint checkpoint, ScalarType? computeType = null)
    {
        Native.TorchRuntime.EnsureLoaded();
        checkpoint.ValidateAgainstConfig();
        var config = checkpoint.Config;
        var dtype = computeType ?? DTypes.ToScalarType(checkpoint.DominantDType());
        var model = new CausalLm(config);
        model.to(dtype);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var scope = NewDisposeScope();
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
