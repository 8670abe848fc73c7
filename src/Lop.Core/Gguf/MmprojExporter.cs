using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Images;
using Lop.Core.Models;

namespace Lop.Core.Gguf;

/// <summary>
/// Writes a LLaVA checkpoint's vision tower and projector as an mmproj GGUF in llama.cpp's <c>clip</c>
/// format (projector type <c>mlp</c>), the file mtmd loads beside the language model's GGUF. Every
/// check runs before a byte is written, and the file appears only when complete (see <see cref="GgufWriter"/>).
/// </summary>
public static class MmprojExporter
{
    /// <summary>Writes <paramref name="outputPath"/> and returns its length in bytes.</summary>
    /// <param name="weightType">F32 or F16, for the matrices; biases, norms and embeddings are always F32.</param>
    public static long Export(HfCheckpoint checkpoint, string outputPath, GgmlType weightType, CancellationToken cancellation = default)
    {
        if (weightType is not (GgmlType.F32 or GgmlType.F16))
        {
            throw new LopException(ErrorCodes.ExportTypeUnknown,
                $"an mmproj file is written as f32 or f16, not {GgmlTypes.Name(weightType)}; llama.cpp's vision encoders are not quantized by this exporter.");
        }
        var config = checkpoint.Config;
        var configFile = Path.Combine(checkpoint.Folder, "config.json");
        var multimodal = MmprojSupport.Check(config, configFile);
        checkpoint.ValidateAgainstConfig();

        var layers = multimodal.LayersUsed;
        var preprocessor = ImagePreprocessor.Load(checkpoint.Folder, multimodal.Vision.ImageSize);
        var metadata = ClipMetadata.For(multimodal, config.HiddenSize, preprocessor, layers, weightType, Path.GetFileName(checkpoint.Folder));
        var tensors = new List<GgufTensorToWrite>();
        foreach (var tensor in ClipTensorNames.For(multimodal.Vision, layers, multimodal.ProjectorBias))
        {
            var (file, info) = checkpoint.Get(config.Layout.CheckpointName(tensor.Engine));
            tensors.Add(CheckpointTensorSource.Create(file, info, tensor.Clip, tensor.KeepF32 ? GgmlType.F32 : weightType));
        }
        if (!multimodal.ProjectorBias)
        {
            // mtmd adds mm.0.bias and mm.2.bias unconditionally; zeros make a bias-free projector exact.
            tensors.Add(CheckpointTensorSource.Zeros("mm.0.bias", config.HiddenSize));
            tensors.Add(CheckpointTensorSource.Zeros("mm.2.bias", config.HiddenSize));
        }
        return GgufWriter.Write(outputPath, metadata, tensors, cancellation: cancellation);
    }
}
