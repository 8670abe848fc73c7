namespace Lop.Samples.Scenes;

/// <summary>
/// The caption of a scene, from one fixed template ("two red circles on the left."), so every word
/// outside the template is decided by the image and a caption can only be predicted by looking.
/// Lowercase ASCII, so it tokenises the same under any byte-level tokenizer.
/// </summary>
internal static class SceneCaption
{
    public static string For(SceneSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return $"{CountWord(spec.Count)} {ColourWord(spec.Colour)} {ShapeWord(spec.Shape, spec.Count)} {PositionWords(spec.Position)}.";
    }

    public static string CountWord(int count) => count switch
    {
        1 => "one",
        2 => "two",
        3 => "three",
        _ => throw new ArgumentOutOfRangeException(nameof(count), count, "a scene has one to three shapes"),
    };

    public static string ColourWord(SceneColour colour) => colour switch
    {
        SceneColour.Red => "red",
        SceneColour.Green => "green",
        SceneColour.Blue => "blue",
        SceneColour.Yellow => "yellow",
        SceneColour.Magenta => "magenta",
        SceneColour.Cyan => "cyan",
        _ => throw new ArgumentOutOfRangeException(nameof(colour), colour, "not a scene colour"),
    };

    public static string ShapeWord(SceneShape shape, int count)
    {
        var singular = shape switch
        {
            SceneShape.Circle => "circle",
            SceneShape.Square => "square",
            SceneShape.Triangle => "triangle",
            SceneShape.Cross => "cross",
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "not a scene shape"),
        };
        if (count == 1)
        {
            return singular;
        }
        return shape == SceneShape.Cross ? "crosses" : singular + "s";
    }

    public static string PositionWords(ScenePosition position) => position switch
    {
        ScenePosition.Left => "on the left",
        ScenePosition.Right => "on the right",
        ScenePosition.Top => "at the top",
        ScenePosition.Bottom => "at the bottom",
        _ => throw new ArgumentOutOfRangeException(nameof(position), position, "not a scene position"),
    };
}
