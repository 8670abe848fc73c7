using OxyPlot;

namespace Lop.Cli.Reports;

/// <summary>
/// OxyPlot's render context onto a <see cref="RasterCanvas"/>: lines become thin polygons, markers and areas
/// polygons, text the baked DejaVu glyphs. OxyPlot.Core has no bitmap renderer of its own, and its
/// renderers that do (SkiaSharp, WPF, ...) bring native libraries the engine does not want to carry.
/// </summary>
internal sealed class RasterRenderContext : RenderContextBase
{
    private readonly RasterCanvas _canvas;
    private readonly Stack<RasterCanvas.Clip> _clips = new();

    public RasterRenderContext(RasterCanvas canvas)
    {
        _canvas = canvas;
        RendersToScreen = false;
    }

    public override int ClipCount => _clips.Count;

    private RasterCanvas.Clip CurrentClip => _clips.Count > 0 ? _clips.Peek() : _canvas.Whole;

    public override void DrawLine(IList<ScreenPoint> points, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray, LineJoin lineJoin)
    {
        if (stroke.IsInvisible() || thickness <= 0 || points.Count < 2)
        {
            return;
        }
        var color = ToRgba(stroke);
        var width = Math.Max(1, thickness);
        // Dash lengths in pixels, as OxyPlot's SVG exporter writes them (stroke-dasharray), so both files match.
        foreach (var (a, b) in Dashes(points, dashArray is { Length: > 1 } ? dashArray : null))
        {
            StrokeSegment(a, b, width, color);
        }
    }

    public override void DrawPolygon(IList<ScreenPoint> points, OxyColor fill, OxyColor stroke, double thickness, EdgeRenderingMode edgeRenderingMode, double[]? dashArray, LineJoin lineJoin)
    {
        if (fill.IsVisible())
        {
            _canvas.FillPolygon(points.Select(p => (p.X, p.Y)).ToList(), ToRgba(fill), CurrentClip);
        }
        if (stroke.IsVisible() && thickness > 0 && points.Count > 1)
        {
            DrawLine([.. points, points[0]], stroke, thickness, edgeRenderingMode, dashArray, lineJoin);
        }
    }

    public override void DrawText(ScreenPoint p, string text, OxyColor fill, string fontFamily, double fontSize, double fontWeight, double rotation, HorizontalAlignment horizontalAlignment, VerticalAlignment verticalAlignment, OxySize? maxSize)
    {
        if (string.IsNullOrEmpty(text) || fill.IsInvisible())
        {
            return;
        }
        var atlas = GlyphAtlas.Nearest(fontSize);
        var width = atlas.Width(text);
        var left = horizontalAlignment switch
        {
            HorizontalAlignment.Center => -width / 2,
            HorizontalAlignment.Right => -width,
            _ => 0,
        };
        var top = verticalAlignment switch
        {
            VerticalAlignment.Middle => -atlas.LineHeight / 2.0,
            VerticalAlignment.Bottom => -atlas.LineHeight,
            _ => 0,
        };
        // Glyph pixels are mapped forward through the rotation: exact for the 0 and +-90 degrees charts use.
        var radians = rotation * Math.PI / 180;
        var (cos, sin) = (Math.Cos(radians), Math.Sin(radians));
        var color = ToRgba(fill);
        var pen = Nearest(left);
        foreach (var c in text)
        {
            for (var cy = 0; cy < atlas.CellHeight; cy++)
            {
                for (var cx = 0; cx < atlas.CellWidth; cx++)
                {
                    var coverage = atlas.Coverage(c, cx, cy);
                    if (coverage == 0)
                    {
                        continue;
                    }
                    var u = pen + cx - atlas.OriginX;
                    var v = Nearest(top) + cy - 1;
                    var x = (int)Nearest(p.X + (u * cos) - (v * sin));
                    var y = (int)Nearest(p.Y + (u * sin) + (v * cos));
                    _canvas.Blend(x, y, color, coverage / 255.0, CurrentClip);
                }
            }
            pen += atlas.Advance(c);
        }
    }

    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
    {
        if (string.IsNullOrEmpty(text))
        {
            return OxySize.Empty;
        }
        var atlas = GlyphAtlas.Nearest(fontSize);
        return new OxySize(atlas.Width(text), atlas.LineHeight);
    }

    public override void PushClip(OxyRect clippingRectangle)
    {
        var outer = CurrentClip;
        _clips.Push(new RasterCanvas.Clip(
            Math.Max(outer.Left, clippingRectangle.Left),
            Math.Max(outer.Top, clippingRectangle.Top),
            Math.Min(outer.Right, clippingRectangle.Right),
            Math.Min(outer.Bottom, clippingRectangle.Bottom)));
    }

    public override void PopClip() => _clips.Pop();

    private void StrokeSegment(ScreenPoint a, ScreenPoint b, double width, RasterCanvas.Rgba color)
    {
        var dx = b.X - a.X;
        var dy = b.Y - a.Y;
        var length = Math.Sqrt((dx * dx) + (dy * dy));
        if (length == 0)
        {
            return;
        }
        // Half a width across the segment, and half a width beyond each end so joints close (square caps).
        var (nx, ny) = (-dy / length * width / 2, dx / length * width / 2);
        var (ex, ey) = (dx / length * width / 2, dy / length * width / 2);
        _canvas.FillPolygon(
            [
                (a.X - ex + nx, a.Y - ey + ny),
                (b.X + ex + nx, b.Y + ey + ny),
                (b.X + ex - nx, b.Y + ey - ny),
                (a.X - ex - nx, a.Y - ey - ny),
            ],
            color,
            CurrentClip);
    }

    /// <summary>The polyline's pieces that are "on" under a dash pattern (all of it without one).</summary>
    private static IEnumerable<(ScreenPoint From, ScreenPoint To)> Dashes(IList<ScreenPoint> points, double[]? pattern)
    {
        var index = 0;
        var left = pattern?[0] ?? double.PositiveInfinity;
        for (var k = 0; k + 1 < points.Count; k++)
        {
            var from = points[k];
            var to = points[k + 1];
            var length = Math.Sqrt(Math.Pow(to.X - from.X, 2) + Math.Pow(to.Y - from.Y, 2));
            var done = 0.0;
            while (done < length)
            {
                var step = Math.Min(left, length - done);
                if (index % 2 == 0)
                {
                    yield return (Along(from, to, done / length), Along(from, to, (done + step) / length));
                }
                done += step;
                left -= step;
                if (left <= 0 && pattern is not null)
                {
                    index = (index + 1) % pattern.Length;
                    left = pattern[index];
                }
            }
        }
    }

    // Half-way points all go the same way: Math.Round's to-even rounding would send the rows of a glyph drawn
    // at y = 48.5 to 48, 50, 50, 52, ... and leave every other row empty.
    private static double Nearest(double value) => Math.Floor(value + 0.5);

    private static ScreenPoint Along(ScreenPoint from, ScreenPoint to, double t) => new(from.X + ((to.X - from.X) * t), from.Y + ((to.Y - from.Y) * t));

    private static RasterCanvas.Rgba ToRgba(OxyColor color) => new(color.R, color.G, color.B, color.A);
}
