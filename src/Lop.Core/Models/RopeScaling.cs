namespace Lop.Core.Models;

/// <summary>The RoPE scalings transformers computes (its <c>rope_type</c>, or the older <c>type</c>).</summary>
public enum RopeScalingKind
{
    /// <summary>Every inverse frequency divided by the factor (position interpolation).</summary>
    Linear,

    /// <summary>NTK-aware: the base grows once a sequence is longer than the original maximum; unchanged below it.</summary>
    Dynamic,

    /// <summary>YaRN: per-dimension blend of interpolated and original frequencies, and an attention factor on cos/sin.</summary>
    Yarn,

    /// <summary>Llama 3.1/3.2: long wavelengths divided by the factor, short ones kept, the band between interpolated.</summary>
    Llama3,
}

/// <summary>
/// A checkpoint's <c>rope_scaling</c>, with transformers' defaults filled in where a field is optional.
/// <see cref="OriginalMaxPositions"/> is the context the model was pre-trained on (rope_scaling's
/// original_max_position_embeddings, else the config's max_position_embeddings).
/// </summary>
public sealed record RopeScaling(RopeScalingKind Kind, double Factor, int OriginalMaxPositions)
{
    /// <summary>Llama 3: wavelengths above OriginalMaxPositions / LowFreqFactor are fully scaled.</summary>
    public double LowFreqFactor { get; init; } = 1;

    /// <summary>Llama 3: wavelengths below OriginalMaxPositions / HighFreqFactor are kept.</summary>
    public double HighFreqFactor { get; init; } = 4;

    /// <summary>YaRN: the attention factor when the config states it; otherwise derived from the factor (and mscale).</summary>
    public double? AttentionFactor { get; init; }

    /// <summary>YaRN: rotations that bound the ramp between extrapolated and interpolated dimensions.</summary>
    public double BetaFast { get; init; } = 32;

    public double BetaSlow { get; init; } = 1;

    /// <summary>YaRN (DeepSeek style): when both are set, the attention factor is mscale(factor, Mscale) / mscale(factor, MscaleAllDim).</summary>
    public double? Mscale { get; init; }

    public double? MscaleAllDim { get; init; }

    /// <summary>Dynamic NTK: the config's max_position_embeddings, beyond which the base grows (and which its formula divides by).</summary>
    public int MaxPositions { get; init; }
}
