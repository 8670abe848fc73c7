using Lop.Core.Errors;
using Lop.Core.Models;
using Lop.Core.Search;
using Lop.Core.Allocation;

namespace Lop.Core.Targets;

/// <summary>
/// A model's size as a linear function of the FFN neurons it keeps: parameters = fixed + kept x per neuron.
/// Every FFN neuron is one gate row, one up row and one down column (3 x hidden, no biases); everything
/// else (embeddings, attention, norms, an untied lm_head, a vision tower) is fixed.
/// </summary>
public sealed record ModelSizing(
    long FixedParameters,
    int ParametersPerNeuron,
    int TotalNeurons,
    int MinimumKeptNeurons,
    double BytesPerParameter,
    long KvValuesPerToken)
{
    /// <summary>Bytes of one cached key or value: the weights' dtype, except under llama.cpp (f16 cache, whatever the weights).</summary>
    public int KvBytesPerValue { get; init; } = (int)Math.Max(1, Math.Round(BytesPerParameter));

    /// <summary>The GGUF type the weights are counted in (e.g. q4_k_m), or null for the checkpoint's dtype.</summary>
    public string? WeightFormat { get; init; }

    /// <summary>Keys and values of one token in every layer: 2 x layers x kv heads x head dim.</summary>
    public long KvBytesPerToken => KvValuesPerToken * KvBytesPerValue;

    public long Parameters(int keptNeurons) => FixedParameters + (long)keptNeurons * ParametersPerNeuron;

    /// <summary>Bytes that do not follow the per-weight rate (GGUF: norms and biases kept in f32, alignment, a vision tower in f16).</summary>
    public long FixedExtraBytes { get; init; }

    /// <summary>Elements of 1-D tensors (norms, biases), which GGUF keeps in f32 whatever the type.</summary>
    public long VectorParameters { get; init; }

    /// <summary>Parameters of a vision tower and projector, written to the mmproj file in f16.</summary>
    public long VisionParameters { get; init; }

    public int TensorCount { get; init; }

    /// <summary>Whole bytes, rounded up (quantized types have fractional bytes per weight).</summary>
    public long WeightBytes(int keptNeurons) => (long)Math.Ceiling(Parameters(keptNeurons) * BytesPerParameter) + FixedExtraBytes;

    /// <summary>
    /// This model counted as a GGUF of <paramref name="type"/> run by llama.cpp: matrices at the type's
    /// rate, norms and biases in f32, every tensor's start aligned to 32 bytes, a vision tower in f16
    /// (the mmproj), and an f16 KV cache.
    /// </summary>
    public ModelSizing ForGguf(Gguf.GgufExportType type) => this with
    {
        BytesPerParameter = type.BytesPerWeight,
        KvBytesPerValue = 2,
        WeightFormat = type.Name,
        FixedExtraBytes = (long)Math.Ceiling(VectorParameters * (4 - type.BytesPerWeight) + VisionParameters * (2 - type.BytesPerWeight))
            + TensorCount * (long)Gguf.GgufWriter.DefaultAlignment,
    };

    public long MemoryBytes(int keptNeurons, int contextLength, int batch) =>
        WeightBytes(keptNeurons) + KvBytesPerToken * contextLength * batch;

    /// <summary>
    /// Sizing of <paramref name="config"/> in a dtype of <paramref name="bytesPerParameter"/> bytes (default: the
    /// checkpoint's <c>torch_dtype</c>), where no layer loses more than <paramref name="maxPruneRatio"/> of its neurons.
    /// </summary>
    public static ModelSizing From(ModelConfig config, int? bytesPerParameter = null, double maxPruneRatio = BudgetProjection.DefaultUpperBound)
    {
        // Everything counts, the vision tower and projector of a LLaVA model included; only the
        // decoder's FFN neurons vary.
        var tensors = config.RequiredTensors().ToList();
        var all = tensors.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
        var vision = config.Multimodal?.RequiredTensors(config.HiddenSize).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b)) ?? 0;
        var total = config.IntermediateSizes.Sum();
        var perNeuron = 3 * config.HiddenSize;
        var ffn = (long)total * perNeuron;
        var minimum = config.IntermediateSizes.Sum(w => BudgetProjection.KeptBounds(w, 0, maxPruneRatio).Min);
        return new ModelSizing(
            all - ffn,
            perNeuron,
            total,
            minimum,
            bytesPerParameter ?? CheckpointBytes(config),
            2L * config.NumLayers * config.NumKvHeads * config.HeadDim)
        {
            VectorParameters = tensors.Where(t => t.Shape.Length == 1).Sum(t => t.Shape[0])
                - (config.Multimodal?.RequiredTensors(config.HiddenSize).Where(t => t.Shape.Length == 1).Sum(t => t.Shape[0]) ?? 0),
            VisionParameters = vision,
            TensorCount = tensors.Count,
        };
    }

    /// <summary>Bytes of one value of the checkpoint's <c>torch_dtype</c> (float32 when config.json does not say).</summary>
    public static int CheckpointBytes(ModelConfig config) => BytesOf(config.TorchDType ?? "float32");

    /// <summary>Bytes of one value of a dtype named as lop.yaml or config.json name it (f32, bf16, float16, ...).</summary>
    public static int BytesOf(string dtype) => dtype.ToLowerInvariant() switch
    {
        "f64" or "float64" => 8,
        "f32" or "float32" => 4,
        "bf16" or "bfloat16" or "f16" or "float16" => 2,
        "i8" or "int8" or "u8" or "uint8" => 1,
        _ => throw new LopException(ErrorCodes.InvalidArgument, $"dtype {dtype} has no known size; use f32, bf16 or f16."),
    };
}
