namespace Lop.Core.Images;

/// <summary>
/// An 8-bit RGB image in row-major order (pixel (x, y) starts at byte 3 * (y * Width + x)): what an
/// image file decodes to and what the synthetic sample renders, before any model preprocessing.
/// </summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[]? pixels = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        pixels ??= new byte[3 * width * height];
        if (pixels.Length != 3 * width * height)
        {
            throw new ArgumentException($"an RGB image of {width}x{height} has {3 * width * height} bytes, not {pixels.Length}", nameof(pixels));
        }
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public byte[] Pixels { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = 3 * (y * Width + x);
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
        set
        {
            var i = 3 * (y * Width + x);
            Pixels[i] = value.R;
            Pixels[i + 1] = value.G;
            Pixels[i + 2] = value.B;
        }
    }
}
