using Lop.Core.Errors;
using LLama;
using LLama.Native;

namespace Lop.Core.Gguf;

/// <summary>A tensor llama.cpp stored in another type than the quantization asked for, and why.</summary>
public sealed record QuantizationFallback(string Tensor, string Type, string Reason);

/// <summary>
/// Quantizes a float GGUF with llama.cpp's own quantizer (through LLamaSharp). We use llama.cpp's
/// code rather than our own because its k-quant mixes (which tensors get Q6_K in q4_k_m, the
/// importance-free rounding it searches) are what every llama.cpp user's file holds, and an own
/// port would have to track them.
/// </summary>
internal static class GgufQuantizer
{
    public static IReadOnlyList<QuantizationFallback> Quantize(string floatFile, string output, GgufExportType type)
    {
        var ftype = type.Name switch
        {
            "q8_0" => LLamaFtype.MOSTLY_Q8_0,
            "q4_k_m" => LLamaFtype.MOSTLY_Q4_K_M,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type.Name, "not a quantized type"),
        };
        // LLamaQuantizer P/Invokes before LLamaSharp's loader has picked the native library unless
        // something else loaded it first.
        LlamaNative.EnsureLoaded();
        var folder = Path.GetDirectoryName(Path.GetFullPath(output))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(output)}.tmp-{Guid.NewGuid():N}");
        try
        {
            if (!LLamaQuantizer.Quantize(floatFile, temporary, ftype, Math.Max(1, Environment.ProcessorCount), allowRequantize: false, quantizeOutputTensor: true))
            {
                throw new LopException(ErrorCodes.QuantizationFailed,
                    $"llama.cpp could not quantize {floatFile} to {type.Name}; run with LOP_DEBUG=1 to see llama.cpp's log.", floatFile);
            }
            var fallbacks = Fallbacks(GgufFile.Read(temporary), type);
            File.Move(temporary, output, overwrite: true);
            return fallbacks;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.OutputNotWritable, $"cannot write {output}: {ex.Message}", output, inner: ex);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>
    /// llama.cpp falls back to another type for k-quant rows that are not whole blocks, but refuses
    /// q8_0 rows that are not whole 32-value blocks (the whole quantization fails): say so up front.
    /// </summary>
    public static void CheckRows(IReadOnlyList<GgufTensorToWrite> tensors, GgufExportType type, string source)
    {
        if (type != GgufExportType.Q8_0)
        {
            return;
        }
        var misfit = tensors.FirstOrDefault(t => t.Dimensions.Length == 2 && t.Dimensions[0] % type.BlockValues != 0);
        if (misfit is not null)
        {
            throw new LopException(ErrorCodes.QuantizationFailed,
                $"{misfit.Name} has rows of {misfit.Dimensions[0]} values, not whole {type.BlockValues}-value q8_0 blocks, which llama.cpp refuses to quantize; "
                + $"prune with widths in multiples of {type.BlockValues} (lop.yaml: granularity {type.BlockValues}, the default for q8_0 targets) or export as f16.", source);
        }
    }

    /// <summary>
    /// Matrices whose rows are not whole blocks of the requested type: llama.cpp stores them in
    /// another type (q4_k_m's deliberate Q6_K choices are whole blocks and not listed).
    /// </summary>
    internal static List<QuantizationFallback> Fallbacks(GgufFile file, GgufExportType type) =>
        file.Tensors
            .Where(t => t.Dimensions.Length == 2 && t.Dimensions[0] % type.BlockValues != 0)
            .Select(t => new QuantizationFallback(t.Name, GgmlTypes.Name(t.Type),
                $"rows of {t.Dimensions[0]} values are not whole {type.BlockValues}-value blocks"))
            .ToList();
}
