using System.Globalization;
using StbImageSharp;

namespace Lop.Cli.Reports;

/// <summary>
/// DejaVu Sans baked into a grayscale atlas (see Fonts/README.md): text for the PNG charts without a
/// font on the machine or a native rasteriser, so a headless CI box draws the same pixels as a laptop.
/// </summary>
internal sealed class GlyphAtlas
{
    private const int FirstChar = 32;
    private const int Columns = 16;

    private static readonly Lazy<IReadOnlyList<GlyphAtlas>> Atlases = new(() => [Load(12), Load(16)]);

    private readonly byte[] _coverage;
    private readonly int _atlasWidth;
    private readonly double[] _advances;

    private GlyphAtlas(int size, byte[] coverage, int atlasWidth, int cellWidth, int cellHeight, int originX, int baseline, int lineHeight, double[] advances)
    {
        Size = size;
        _coverage = coverage;
        _atlasWidth = atlasWidth;
        CellWidth = cellWidth;
        CellHeight = cellHeight;
        OriginX = originX;
        Baseline = baseline;
        LineHeight = lineHeight;
        _advances = advances;
    }

    public int Size { get; }

    public int CellWidth { get; }

    public int CellHeight { get; }

    /// <summary>Where the pen starts inside a cell.</summary>
    public int OriginX { get; }

    /// <summary>The baseline's row inside a cell.</summary>
    public int Baseline { get; }

    /// <summary>Ascent plus descent: the height a line of text takes.</summary>
    public int LineHeight { get; }

    /// <summary>The baked size nearest to the requested one (the charts ask for the baked sizes).</summary>
    public static GlyphAtlas Nearest(double fontSize) => Atlases.Value.MinBy(a => Math.Abs(a.Size - fontSize))!;

    public double Advance(char c) => _advances[Index(c)];

    public double Width(string text) => text.Sum(Advance);

    /// <summary>Coverage (0-255) of a glyph's cell pixel.</summary>
    public byte Coverage(char c, int x, int y)
    {
        var index = Index(c);
        var cellX = (index % Columns) * CellWidth;
        var cellY = (index / Columns) * CellHeight;
        return _coverage[((cellY + y) * _atlasWidth) + cellX + x];
    }

    // Outside printable ASCII a '?' stands in: the charts' labels are method names and numbers.
    private int Index(char c) => c >= FirstChar && c - FirstChar < _advances.Length ? c - FirstChar : '?' - FirstChar;

    private static GlyphAtlas Load(int size)
    {
        var assembly = typeof(GlyphAtlas).Assembly;
        var name = $"Lop.Cli.Reports.Fonts.dejavu-sans-{size}";
        using var png = assembly.GetManifestResourceStream(name + ".png") ?? throw new InvalidOperationException($"missing resource {name}.png");
        var image = ImageResult.FromStream(png, ColorComponents.Grey);
        using var metricsStream = assembly.GetManifestResourceStream(name + ".txt") ?? throw new InvalidOperationException($"missing resource {name}.txt");
        using var reader = new StreamReader(metricsStream);
        var header = reader.ReadLine()!.Split(' ').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var advances = reader.ReadLine()!.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new GlyphAtlas(header[0], image.Data, image.Width, header[1], header[2], header[3], header[4], header[5], advances);
    }
}
