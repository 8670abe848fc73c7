namespace Lop.Samples.Scenes;

/// <summary>
/// What a scene shows: everything its caption says and nothing else. The background shade and the
/// exact placement are not part of it; they vary with the render seed, so the caption cannot be
/// predicted from them and a model has to look at the shapes.
/// </summary>
internal sealed record SceneSpec
{
    public const int MinCount = 1;
    public const int MaxCount = 3;

    public SceneSpec(SceneShape shape, SceneColour colour, int count, ScenePosition position)
    {
        if (!Enum.IsDefined(shape))
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "not a scene shape");
        }
        if (!Enum.IsDefined(colour))
        {
            throw new ArgumentOutOfRangeException(nameof(colour), colour, "not a scene colour");
        }
        if (!Enum.IsDefined(position))
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, "not a scene position");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(count, MinCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        Shape = shape;
        Colour = colour;
        Count = count;
        Position = position;
    }

    public SceneShape Shape { get; }

    public SceneColour Colour { get; }

    public int Count { get; }

    public ScenePosition Position { get; }
}
