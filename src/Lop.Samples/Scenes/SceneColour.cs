namespace Lop.Samples.Scenes;

/// <summary>
/// The six shape colours: the corners of the RGB cube other than black and white, as far apart from
/// each other (and from the grey background) as colours get, so no pixel is ambiguous.
/// </summary>
internal enum SceneColour
{
    Red,
    Green,
    Blue,
    Yellow,
    Magenta,
    Cyan,
}

/// <summary>The exact pixel value each <see cref="SceneColour"/> is painted with.</summary>
internal static class SceneColours
{
    public static (byte R, byte G, byte B) Rgb(this SceneColour colour) => colour switch
    {
        SceneColour.Red => (255, 0, 0),
        SceneColour.Green => (0, 255, 0),
        SceneColour.Blue => (0, 0, 255),
        SceneColour.Yellow => (255, 255, 0),
        SceneColour.Magenta => (255, 0, 255),
        SceneColour.Cyan => (0, 255, 255),
        _ => throw new ArgumentOutOfRangeException(nameof(colour), colour, "not a scene colour"),
    };
}
