namespace Lop.Core.Images;

/// <summary>
/// Bicubic resampling as PIL does it (the filter transformers' image processors use, resample=3):
/// separable, Keys cubic with a = -0.5, the filter widened by the scale when shrinking (antialiasing),
/// weights normalised per output pixel, and the intermediate image rounded to bytes between the
/// horizontal and vertical passes. Results match transformers' preprocessing to within rounding.
/// </summary>
internal static class BicubicResize
{
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (width == image.Width && height == image.Height)
        {
            return image;
        }
        var horizontal = Pass(image, width, image.Height, horizontal: true);
        return Pass(horizontal, width, height, horizontal: false);
    }

    private static RgbImage Pass(RgbImage source, int width, int height, bool horizontal)
    {
        var inSize = horizontal ? source.Width : source.Height;
        var outSize = horizontal ? width : height;
        var (starts, weights) = Coefficients(inSize, outSize);
        var result = new RgbImage(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = horizontal ? x : y;
                double r = 0, g = 0, b = 0;
                for (var k = 0; k < weights[o].Length; k++)
                {
                    var i = starts[o] + k;
                    var (pr, pg, pb) = horizontal ? source[i, y] : source[x, i];
                    var w = weights[o][k];
                    r += pr * w;
                    g += pg * w;
                    b += pb * w;
                }
                result[x, y] = (ToByte(r), ToByte(g), ToByte(b));
            }
        }
        return result;
    }

    /// <summary>For each output index, the first input index it reads and the normalised weights of the inputs from there.</summary>
    private static (int[] Starts, double[][] Weights) Coefficients(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = 2.0 * filterScale;
        var starts = new int[outSize];
        var weights = new double[outSize][];
        for (var o = 0; o < outSize; o++)
        {
            var centre = (o + 0.5) * scale;
            var first = Math.Max(0, (int)Math.Floor(centre - support + 0.5));
            var last = Math.Min(inSize, (int)Math.Floor(centre + support + 0.5));
            var w = new double[Math.Max(1, last - first)];
            double total = 0;
            for (var i = 0; i < w.Length; i++)
            {
                w[i] = Cubic((first + i + 0.5 - centre) / filterScale);
                total += w[i];
            }
            for (var i = 0; i < w.Length; i++)
            {
                w[i] = total == 0 ? 1.0 / w.Length : w[i] / total;
            }
            starts[o] = first;
            weights[o] = w;
        }
        return (starts, weights);
    }

    /// <summary>Keys' cubic convolution kernel with a = -0.5 (PIL's bicubic).</summary>
    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        return x < 1 ? ((a + 2) * x - (a + 3)) * x * x + 1
            : x < 2 ? (((x - 5) * x + 8) * x - 4) * a
            : 0;
    }

    private static byte ToByte(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
