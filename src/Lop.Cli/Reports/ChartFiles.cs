using OxyPlot;
using StbImageWriteSharp;

namespace Lop.Cli.Reports;

/// <summary>One chart as SVG (OxyPlot's own managed exporter) and as PNG (our raster context), laid out alike.</summary>
internal static class ChartFiles
{
    public const int Width = 800;
    public const int Height = 480;

    /// <summary>Text only, no XML declaration: fit to go inline in the HTML page and to stand alone as a file.</summary>
    public static string Svg(PlotModel model)
    {
        // The raster context measures text with DejaVu's metrics, so the SVG's layout matches the PNG's.
        var measurer = new RasterRenderContext(new RasterCanvas(1, 1));
        return SvgExporter.ExportToString(model, Width, Height, isDocument: false, measurer);
    }

    public static byte[] Png(PlotModel model)
    {
        var canvas = new RasterCanvas(Width, Height);
        IPlotModel plot = model;
        plot.Update(true);
        plot.Render(new RasterRenderContext(canvas), new OxyRect(0, 0, Width, Height));
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(canvas.Pixels, Width, Height, ColorComponents.RedGreenBlue, stream);
        return stream.ToArray();
    }
}
