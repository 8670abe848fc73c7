namespace Lop.Core.Models;

/// <summary>
/// RoPE's inverse frequencies and attention factor, computed as transformers' modeling_rope_utils does
/// for each scaling kind, in float64 on the host (headDim / 2 values: nothing worth a tensor op).
/// </summary>
internal static class RopeFrequencies
{
    /// <summary>theta^(-2i/d) for i = 0 .. d/2 - 1: unscaled RoPE.</summary>
    public static double[] Default(int headDim, double theta) =>
        Enumerable.Range(0, headDim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / headDim)).ToArray();

    /// <summary>The inverse frequencies a sequence of <paramref name="seqLen"/> tokens is rotated with.</summary>
    public static double[] Inverse(int headDim, double theta, RopeScaling? scaling, long seqLen) => scaling?.Kind switch
    {
        null => Default(headDim, theta),
        RopeScalingKind.Linear => Default(headDim, theta).Select(f => f / scaling.Factor).ToArray(),
        RopeScalingKind.Dynamic => Dynamic(headDim, theta, scaling, seqLen),
        RopeScalingKind.Yarn => Yarn(headDim, theta, scaling),
        RopeScalingKind.Llama3 => Llama3(headDim, theta, scaling),
        _ => throw new ArgumentOutOfRangeException(nameof(scaling), $"unknown RoPE scaling {scaling.Kind}"),
    };

    /// <summary>What cos and sin are multiplied by: YaRN's attention factor, 1 for every other kind.</summary>
    public static double AttentionFactor(RopeScaling? scaling)
    {
        if (scaling is not { Kind: RopeScalingKind.Yarn })
        {
            return 1;
        }
        if (scaling.AttentionFactor is { } stated)
        {
            return stated;
        }
        return scaling is { Mscale: { } mscale, MscaleAllDim: { } all } && mscale != 0 && all != 0
            ? YarnMscale(scaling.Factor, mscale) / YarnMscale(scaling.Factor, all)
            : YarnMscale(scaling.Factor, 1);
    }

    /// <summary>
    /// Llama 3's per-dimension divisor of the frequency (default / scaled), what llama.cpp reads from the
    /// rope_freqs tensor: 1 for short wavelengths, the factor for long ones, interpolated between.
    /// </summary>
    public static double[] Llama3Divisors(int headDim, double theta, RopeScaling scaling) =>
        Default(headDim, theta).Zip(Llama3(headDim, theta, scaling), (unscaled, scaled) => unscaled / scaled).ToArray();

    private static double[] Dynamic(int headDim, double theta, RopeScaling scaling, long seqLen)
    {
        // transformers compares with max_position_embeddings (not the original context) and recomputes only
        // beyond it; within it the frequencies are the default ones.
        if (seqLen <= scaling.MaxPositions)
        {
            return Default(headDim, theta);
        }
        var grownBase = theta * Math.Pow(scaling.Factor * seqLen / scaling.MaxPositions - (scaling.Factor - 1), headDim / (headDim - 2.0));
        return Default(headDim, grownBase);
    }

    private static double[] Llama3(int headDim, double theta, RopeScaling scaling)
    {
        var lowFreqWavelength = scaling.OriginalMaxPositions / scaling.LowFreqFactor;
        var highFreqWavelength = scaling.OriginalMaxPositions / scaling.HighFreqFactor;
        return Default(headDim, theta).Select(frequency =>
        {
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highFreqWavelength)
            {
                return frequency;
            }
            if (wavelength > lowFreqWavelength)
            {
                return frequency / scaling.Factor;
            }
            var smooth = (scaling.OriginalMaxPositions / wavelength - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
            return (1 - smooth) * frequency / scaling.Factor + smooth * frequency;
        }).ToArray();
    }

    private static double[] Yarn(int headDim, double theta, RopeScaling scaling)
    {
        // Dimensions that turn more than BetaFast times over the original context keep their frequency
        // (extrapolation), those turning fewer than BetaSlow times are interpolated; a linear ramp between.
        double CorrectionDim(double rotations) =>
            headDim * Math.Log(scaling.OriginalMaxPositions / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        var low = Math.Max(Math.Floor(CorrectionDim(scaling.BetaFast)), 0);
        var high = Math.Min(Math.Ceiling(CorrectionDim(scaling.BetaSlow)), headDim - 1);
        if (low == high)
        {
            high += 0.001;
        }
        var unscaled = Default(headDim, theta);
        return unscaled.Select((frequency, i) =>
        {
            var ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            var extrapolation = 1 - ramp;
            return frequency / scaling.Factor * (1 - extrapolation) + frequency * extrapolation;
        }).ToArray();
    }

    private static double YarnMscale(double scale, double mscale) =>
        scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;
}
