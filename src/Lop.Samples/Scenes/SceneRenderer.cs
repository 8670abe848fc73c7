using Lop.Core.Calibration;
using Lop.Core.Images;

namespace Lop.Samples.Scenes;

/// <summary>
/// Draws a <see cref="SceneSpec"/> as an image. The seed picks what the caption does not say (the
/// background shade, the shape size, the exact placement), so one spec renders many ways and a
/// model must read the shapes, not memorise pixels.
/// </summary>
internal static class SceneRenderer
{
    /// <summary>Background grey levels: dark, and grey (R = G = B), so never a shape colour.</summary>
    public const int MinBackground = 12;
    public const int MaxBackground = 48;

    public static RgbImage Render(SceneSpec spec, int size, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, SceneLayout.MinSize);
        var rng = new SplitMix64(seed);
        var image = new RgbImage(size, size);

        var grey = (byte)(MinBackground + rng.NextBelow(MaxBackground - MinBackground + 1));
        Array.Fill(image.Pixels, grey);

        var colour = spec.Colour.Rgb();
        foreach (var box in SceneLayout.Place(spec, size, rng))
        {
            var x0 = Math.Max(0, (int)Math.Floor(box.X));
            var y0 = Math.Max(0, (int)Math.Floor(box.Y));
            var x1 = Math.Min(size - 1, (int)Math.Ceiling(box.X + box.Side));
            var y1 = Math.Min(size - 1, (int)Math.Ceiling(box.Y + box.Side));
            for (var y = y0; y <= y1; y++)
            {
                for (var x = x0; x <= x1; x++)
                {
                    if (ShapeRaster.Covers(spec.Shape, box, x + 0.5, y + 0.5))
                    {
                        image[x, y] = colour;
                    }
                }
            }
        }
        return image;
    }
}
