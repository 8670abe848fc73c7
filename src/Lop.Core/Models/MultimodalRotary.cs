using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Qwen2-VL's M-RoPE: each token has three positions (time, row, column); the rotary frequencies are
/// split into sections (mrope_section, e.g. [16, 24, 24] of a head's 64 frequencies), section k rotated
/// by axis k, and the same split repeated on the second half of the head dimension (rotate-half layout).
/// With three equal positions this is plain RoPE, which is why text-only inputs need no tables of their own.
/// </summary>
internal static class MultimodalRotary
{
    /// <param name="positions">[3, batch, seq] integer positions</param>
    /// <returns>cos and sin [batch, 1, seq, headDim], broadcasting over heads</returns>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, int headDim, double theta, IReadOnlyList<int> section, ScalarType dtype)
    {
        if (section.Sum() * 2 != headDim)
        {
            throw new ArgumentException($"mrope_section [{string.Join(", ", section)}] must add up to half the head dimension {headDim}", nameof(section));
        }
        using var scope = NewDisposeScope();
        var inverse = tensor(RopeFrequencies.Default(headDim, theta), dtype: ScalarType.Float64, device: positions.device);
        var angles = positions.to(ScalarType.Float64).unsqueeze(-1) * inverse;
        var doubled = cat([angles, angles], dim: -1);
        var parts = new List<Tensor>();
        var start = 0L;
        for (var i = 0; i < 2 * section.Count; i++)
        {
            var length = section[i % section.Count];
            parts.Add(doubled[i % section.Count].narrow(-1, start, length));
            start += length;
        }
        var chosen = cat(parts, dim: -1).unsqueeze(1);
        return (chosen.cos().to(dtype).MoveToOuterDisposeScope(), chosen.sin().to(dtype).MoveToOuterDisposeScope());
    }
}
