using Lop.Core.Calibration;
using static TorchSharp.torch;

namespace Lop.Core.Evaluation;

/// <summary>
/// Which next-token targets a strided loss counts: of a sequence's targets 0..n-1 (target i predicts token i + 1
/// from the tokens up to i), those at stride - 1, 2 x stride - 1, ...; the same positions in every sequence, so
/// the subset is deterministic and every candidate of a search is scored on the same tokens. Ending each
/// stride rather than starting it leaves out target 0, the one predicted from a single token.
/// </summary>
internal static class ScoredTargets
{
    /// <summary>The selected target indices among <paramref name="targets"/> targets, ascending.</summary>
    public static int[] Indices(int targets, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        var count = Math.Max(0, targets / stride);
        var indices = new int[count];
        for (var i = 0; i < count; i++)
        {
            indices[i] = (i + 1) * stride - 1;
        }
        return indices;
    }

    /// <summary>The selected target indices as an int64 tensor on <paramref name="device"/>, or null at stride 1 (every target: nothing to select).</summary>
    public static Tensor? Positions(int targets, int stride, Device device) => stride == 1
        ? null
        : tensor(Indices(targets, stride).Select(i => (long)i).ToArray(), device: device);

    /// <summary>How many of the sequence's selected targets its loss mask counts.</summary>
    public static int Count(CalibrationSequence sequence, int stride)
    {
        if (stride == 1)
        {
            return sequence.TargetCount;
        }
        var indices = Indices(Math.Max(0, sequence.Length - 1), stride);
        return sequence.LossMask is not { } mask ? indices.Length : indices.Count(i => mask[i + 1]);
    }
}
