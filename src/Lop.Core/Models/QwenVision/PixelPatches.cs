using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// The image processor's patching (<see cref="Images.QwenVlPatches"/>) on a batch of normalised still
/// images [batch, 3, H, W] already on the device: each image repeated to fill a temporal patch, rows in
/// merge-block order, features (channel, frame, y, x); the images' rows concatenated.
/// </summary>
internal static class PixelPatches
{
    public static (Tensor Patches, (int T, int H, int W)[] Grids) FromStills(Tensor pixels, QwenVisionConfig config)
    {
        using var scope = NewDisposeScope();
        var (batch, channels, height, width) = (pixels.shape[0], pixels.shape[1], pixels.shape[2], pixels.shape[3]);
        var (p, m, t) = ((long)config.PatchSize, (long)config.MergeSize, (long)config.TemporalPatchSize);
        if (height % (p * m) != 0 || width % (p * m) != 0)
        {
            throw new ArgumentException($"images of {width}x{height} are not whole merge blocks of {p * m} pixels");
        }
        var (gridH, gridW) = (height / p, width / p);
        var frames = pixels.unsqueeze(1).expand(batch, t, channels, height, width);
        var patches = frames.reshape(batch, t, channels, gridH / m, m, p, gridW / m, m, p)
            .permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
            .reshape(batch * gridH * gridW, channels * t * p * p);
        var grids = Enumerable.Repeat((1, (int)gridH, (int)gridW), (int)batch).ToArray();
        return (patches.MoveToOuterDisposeScope(), grids);
    }
}
