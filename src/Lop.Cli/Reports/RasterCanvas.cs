namespace Lop.Cli.Reports;

/// <summary>
/// An RGB pixel buffer that fills polygons with anti-aliased edges (four sub-scanlines, exact horizontal
/// coverage) and blends glyph coverage: all a line chart needs, in managed code, so the PNG charts need no
/// native graphics library on any platform.
/// </summary>
internal sealed class RasterCanvas
{
    private const int SubScanlines = 4;

    private readonly byte[] _pixels;
    private readonly float[] _coverage;

    public RasterCanvas(int width, int height)
    {
        Width = width;
        Height = height;
        _pixels = new byte[width * height * 3];
        Array.Fill(_pixels, (byte)255);
        _coverage = new float[width + 1];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Rows top to bottom, three bytes (R, G, B) a pixel.</summary>
    public byte[] Pixels => _pixels;

    public readonly record struct Rgba(byte R, byte G, byte B, byte A);

    public readonly record struct Clip(double Left, double Top, double Right, double Bottom);

    public Clip Whole => new(0, 0, Width, Height);

    /// <summary>Source-over blend of a colour at a coverage between 0 and 1.</summary>
    public void Blend(int x, int y, Rgba color, double coverage, Clip clip)
    {
        if (x < Math.Max(0, clip.Left) || x >= Math.Min(Width, clip.Right) || y < Math.Max(0, clip.Top) || y >= Math.Min(Height, clip.Bottom))
        {
            return;
        }
        var alpha = color.A / 255.0 * Math.Clamp(coverage, 0, 1);
        if (alpha <= 0)
        {
            return;
        }
        var i = ((y * Width) + x) * 3;
        _pixels[i] = Mix(_pixels[i], color.R, alpha);
        _pixels[i + 1] = Mix(_pixels[i + 1], color.G, alpha);
        _pixels[i + 2] = Mix(_pixels[i + 2], color.B, alpha);
    }

    /// <summary>Fills a polygon by the even-odd rule.</summary>
    public void FillPolygon(IReadOnlyList<(double X, double Y)> points, Rgba color, Clip clip)
    {
        if (points.Count < 3 || color.A == 0)
        {
            return;
        }
        var top = (int)Math.Max(Math.Max(0, clip.Top), Math.Floor(points.Min(p => p.Y)));
        var bottom = (int)Math.Min(Math.Min(Height, clip.Bottom), Math.Ceiling(points.Max(p => p.Y)));
        var left = Math.Max(0, clip.Left);
        var right = Math.Min(Width, clip.Right);
        var crossings = new List<double>();
        for (var y = top; y < bottom; y++)
        {
            var touchedFrom = Width;
            var touchedTo = -1;
            for (var s = 0; s < SubScanlines; s++)
            {
                var sy = y + ((s + 0.5) / SubScanlines);
                crossings.Clear();
                for (var k = 0; k < points.Count; k++)
                {
                    var (x0, y0) = points[k];
                    var (x1, y1) = points[(k + 1) % points.Count];
                    if ((y0 <= sy && sy < y1) || (y1 <= sy && sy < y0))
                    {
                        crossings.Add(x0 + ((sy - y0) * (x1 - x0) / (y1 - y0)));
                    }
                }
                crossings.Sort();
                for (var k = 0; k + 1 < crossings.Count; k += 2)
                {
                    var a = Math.Max(left, crossings[k]);
                    var b = Math.Min(right, crossings[k + 1]);
                    if (b > a)
                    {
                        AddSpan(a, b, 1.0f / SubScanlines);
                        touchedFrom = Math.Min(touchedFrom, (int)a);
                        touchedTo = Math.Max(touchedTo, (int)Math.Min(Width - 1, Math.Floor(b)));
                    }
                }
            }
            for (var x = touchedFrom; x <= touchedTo; x++)
            {
                Blend(x, y, color, _coverage[x], clip);
                _coverage[x] = 0;
            }
        }
    }

    private void AddSpan(double a, double b, float weight)
    {
        var ia = (int)Math.Floor(a);
        var ib = (int)Math.Floor(b);
        if (ia == ib)
        {
            _coverage[ia] += (float)(b - a) * weight;
            return;
        }
        _coverage[ia] += (float)(ia + 1 - a) * weight;
        for (var i = ia + 1; i < ib; i++)
        {
            _coverage[i] += weight;
        }
        _coverage[ib] += (float)(b - ib) * weight;
    }

    private static byte Mix(byte under, byte over, double alpha) => (byte)Math.Round((under * (1 - alpha)) + (over * alpha));
}
