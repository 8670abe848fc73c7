using System.Diagnostics;
using Lop.Core.Formats;
using Lop.Core.Progress;

namespace Lop.Core.Gguf;

/// <summary>What an export wrote, and why it chose what it chose.</summary>
public sealed record GgufExportReport(
    string Output,
    string Architecture,
    string ArchitectureReason,
    string Type,
    long Bytes,
    int Tensors,
    IReadOnlyList<QuantizationFallback> Fallbacks,
    string? Mmproj,
    long? MmprojBytes,
    double Seconds);

/// <summary>
/// Writes a checkpoint (dense or a LOP variant) as a GGUF file llama.cpp loads: the decoder as llama,
/// qwen2 or deci (see <see cref="GgufArchitecture"/>), the tokenizer's keys, and for a LLaVA model
/// the vision tower and projector as a separate mmproj file. Quantized types are made by llama.cpp's
/// quantizer from a float file in the checkpoint's own float type, so nothing is rounded twice.
/// </summary>
public static class GgufExporter
{
    /// <summary>The mmproj file beside <paramref name="output"/>: model.gguf gets model.mmproj.gguf.</summary>
    public static string MmprojPath(string output) => Path.ChangeExtension(output, ".mmproj.gguf");

    /// <param name="mmprojOutput">where a LLaVA model's vision tower and projector go (default: <see cref="MmprojPath"/>)</param>
    public static GgufExportReport Export(HfCheckpoint checkpoint, string output, GgufExportType type, IJobProgress progress, CancellationToken cancellation = default,
        string? mmprojOutput = null)
    {
        var clock = Stopwatch.StartNew();
        output = Path.GetFullPath(output);
        var config = checkpoint.Config;
        var architecture = GgufArchitecture.For(config, IsQwen2Decoder(checkpoint), checkpoint.Folder);
        if (config.Multimodal is not null)
        {
            // Refuse a tower llama.cpp cannot run before the language model is written, not after.
            MmprojSupport.Check(config, Path.Combine(checkpoint.Folder, "config.json"));
        }
        progress.Info($"export: {architecture.Name} ({architecture.Reason})");
        var floatType = type.Quantized ? TensorConversion.SameBytes(checkpoint.DominantDType()) ?? GgmlType.F16 : type.FloatType;
        var metadata = new GgufMetadata();
        metadata["general.architecture"] = GgufValue.String(architecture.Name);
        metadata["general.name"] = GgufValue.String(Path.GetFileName(checkpoint.Folder.TrimEnd(Path.DirectorySeparatorChar)));
        metadata["general.file_type"] = GgufValue.UInt32(FileType(floatType));
        GgufDecoderModel.AddHyperparameters(metadata, config, architecture);
        GgufRopeScaling.AddMetadata(metadata, config, architecture.Name, Path.Combine(checkpoint.Folder, "config.json"));
        GgufTokenizerMetadata.AddTo(metadata, checkpoint.Folder, config.VocabSize);
        var tensors = GgufDecoderModel.Tensors(checkpoint, architecture, floatType);
        GgufQuantizer.CheckRows(tensors, type, checkpoint.Folder);

        IReadOnlyList<QuantizationFallback> fallbacks = [];
        var floatFile = type.Quantized ? Path.Combine(Path.GetDirectoryName(output)!, $".{Path.GetFileName(output)}.{GgmlTypes.Name(floatType)}-{Guid.NewGuid():N}") : output;
        try
        {
            GgufWriter.Write(floatFile, metadata, tensors, (i, t) => progress.Report("export", i + 1, tensors.Count, t.Name), cancellation);
            if (type.Quantized)
            {
                progress.Info($"export: quantizing to {type.Name} with llama.cpp");
                fallbacks = GgufQuantizer.Quantize(floatFile, output, type);
                foreach (var fallback in fallbacks)
                {
                    progress.Info($"export: warning: {fallback.Tensor} stored as {fallback.Type}: {fallback.Reason} (use a granularity of {type.Granularity})");
                }
            }
        }
        finally
        {
            if (type.Quantized && File.Exists(floatFile))
            {
                File.Delete(floatFile);
            }
        }
        var bytes = new FileInfo(output).Length;
        string? mmproj = null;
        long? mmprojBytes = null;
        if (config.Multimodal is not null)
        {
            // The vision tower stays in floats: it is small beside the language model, and mtmd runs it once per image.
            mmproj = Path.GetFullPath(mmprojOutput ?? MmprojPath(output));
            progress.Info($"export: vision tower and projector -> {mmproj}");
            mmprojBytes = MmprojExporter.Export(checkpoint, mmproj, type == GgufExportType.F32 ? GgmlType.F32 : GgmlType.F16, cancellation);
        }
        return new GgufExportReport(output, architecture.Name, architecture.Reason, type.Name, bytes, tensors.Count, fallbacks, mmproj, mmprojBytes, clock.Elapsed.TotalSeconds);
    }

    private static uint FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        _ => 32,
    };

    /// <summary>A Qwen2 decoder, on its own or inside a LLaVA model (text_config.model_type).</summary>
    private static bool IsQwen2Decoder(HfCheckpoint checkpoint) =>
        checkpoint.Config.Architecture == "Qwen2ForCausalLM"
        || checkpoint.RawConfig["text_config"] is System.Text.Json.Nodes.JsonObject text
           && text["model_type"]?.GetValue<string>() == "qwen2";
}
