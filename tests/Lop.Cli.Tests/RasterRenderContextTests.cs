using Lop.Cli.Reports;
using OxyPlot;

namespace Lop.Cli.Tests;

/// <summary>The managed PNG renderer behind the report's charts: lines, text, rotation and clipping.</summary>
public sealed class RasterRenderContextTests
{
    [Fact]
    public void Text_at_a_half_pixel_position_has_no_empty_rows_inside_a_glyph()
    {
        var canvas = new RasterCanvas(40, 40);

        new RasterRenderContext(canvas).DrawText(new ScreenPoint(10, 10.5), "I", OxyColors.Black, "", 12, 400, 0, HorizontalAlignment.Left, VerticalAlignment.Top, null);

        var rows = Enumerable.Range(0, canvas.Height).Where(y => Enumerable.Range(0, canvas.Width).Any(x => Dark(canvas, x, y))).ToList();
        Assert.True(rows.Count >= 8, $"only {rows.Count} rows drawn");
        Assert.Equal(rows.Count - 1, rows[^1] - rows[0]);
    }

    [Fact]
    public void Text_rotated_a_quarter_turn_runs_up_the_canvas()
    {
        var canvas = new RasterCanvas(60, 120);

        new RasterRenderContext(canvas).DrawText(new ScreenPoint(30, 100), "perplexity", OxyColors.Black, "", 12, 400, -90, HorizontalAlignment.Left, VerticalAlignment.Top, null);

        var dark = Enumerable.Range(0, canvas.Width * canvas.Height).Select(i => (X: i % canvas.Width, Y: i / canvas.Width)).Where(p => Dark(canvas, p.X, p.Y)).ToList();
        var width = dark.Max(p => p.X) - dark.Min(p => p.X);
        var height = dark.Max(p => p.Y) - dark.Min(p => p.Y);
        Assert.True(height > 3 * width, $"{width} wide, {height} high");
        Assert.True(dark.Max(p => p.Y) <= 100);
    }

    [Fact]
    public void A_line_covers_its_pixels_and_nothing_beside_it()
    {
        var canvas = new RasterCanvas(50, 50);

        // Two pixels thick about y = 20: rows 19 and 20 exactly, with square caps half a width past each end.
        new RasterRenderContext(canvas).DrawLine([new ScreenPoint(5, 20), new ScreenPoint(45, 20)], OxyColors.Black, 2, EdgeRenderingMode.Automatic, null, LineJoin.Miter);

        Assert.True(Dark(canvas, 25, 19));
        Assert.True(Dark(canvas, 25, 20));
        Assert.False(Dark(canvas, 25, 18));
        Assert.False(Dark(canvas, 25, 21));
        Assert.True(Dark(canvas, 4, 20));
        Assert.False(Dark(canvas, 47, 20));
    }

    [Fact]
    public void Nothing_is_drawn_outside_the_clip()
    {
        var canvas = new RasterCanvas(50, 50);
        var context = new RasterRenderContext(canvas);

        context.PushClip(new OxyRect(0, 0, 25, 50));
        context.DrawLine([new ScreenPoint(5, 20), new ScreenPoint(45, 20)], OxyColors.Black, 2, EdgeRenderingMode.Automatic, null, LineJoin.Miter);
        context.PopClip();

        Assert.True(Dark(canvas, 20, 20));
        Assert.False(Dark(canvas, 30, 20));
        Assert.Equal(0, context.ClipCount);
    }

    private static bool Dark(RasterCanvas canvas, int x, int y) => canvas.Pixels[((y * canvas.Width) + x) * 3] < 128;
}
