using Lop.Core.Calibration;

namespace Lop.Samples.Scenes;

/// <summary>
/// Where a scene's shapes go: all inside the named half, a margin clear of its edges (the midline
/// included, so "left" is never in doubt), stacked along the half's long side with at least
/// <c>gap</c> pixels between neighbours. A gap of two or more pixels guarantees a whole row or
/// column of background between two shapes, so they never touch even diagonally and every shape
/// stays its own connected blob.
/// </summary>
internal static class SceneLayout
{
    /// <summary>Below this three shapes a quarter of the side across no longer fit in a half.</summary>
    public const int MinSize = 32;

    public static IReadOnlyList<SceneBox> Place(SceneSpec spec, int size, SplitMix64 rng)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, MinSize);

        var margin = Math.Max(1.0, size / 32.0);
        var gap = Math.Max(2.0, size / 32.0);
        var half = size / 2.0;
        // Left/right halves are tall, so their shapes stack vertically; top/bottom halves stack across.
        var stackVertically = spec.Position is ScenePosition.Left or ScenePosition.Right;
        var acrossStart = spec.Position is ScenePosition.Right or ScenePosition.Bottom ? half : 0.0;

        // A quarter to 1/3.5 of the side, shrunk where three of them plus gaps would not fit.
        var side = size / 4.0 + rng.NextDouble() * (size / 3.5 - size / 4.0);
        side = Math.Min(side, (size - 2 * margin - (spec.Count - 1) * gap) / spec.Count);
        side = Math.Min(side, half - 2 * margin);

        // The spare length along the stack is shared out at random between the ends and the gaps;
        // weights in [0.5, 1.5) jitter the placement without ever bunching the group into a corner.
        var slack = Math.Max(0.0, size - 2 * margin - spec.Count * side - (spec.Count - 1) * gap);
        var weights = new double[spec.Count + 1];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = 0.5 + rng.NextDouble();
        }
        var total = weights.Sum();

        var boxes = new SceneBox[spec.Count];
        var along = margin + slack * weights[0] / total;
        for (var i = 0; i < spec.Count; i++)
        {
            var across = acrossStart + margin + rng.NextDouble() * (half - 2 * margin - side);
            boxes[i] = stackVertically ? new SceneBox(across, along, side) : new SceneBox(along, across, side);
            along += side + gap + slack * weights[i + 1] / total;
        }
        return boxes;
    }
}
