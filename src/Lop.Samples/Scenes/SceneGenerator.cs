using Lop.Core.Calibration;

namespace Lop.Samples.Scenes;

/// <summary>
/// Draws scene specs uniformly: shape, colour, count and position independently, so no caption word
/// predicts another and the model has to read each one off the image.
/// </summary>
internal static class SceneGenerator
{
    private static readonly SceneShape[] Shapes = Enum.GetValues<SceneShape>();
    private static readonly SceneColour[] Colours = Enum.GetValues<SceneColour>();
    private static readonly ScenePosition[] Positions = Enum.GetValues<ScenePosition>();

    public static IReadOnlyList<SceneSpec> Generate(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new SplitMix64(seed);
        var specs = new SceneSpec[count];
        for (var i = 0; i < count; i++)
        {
            specs[i] = new SceneSpec(
                Shapes[rng.NextBelow(Shapes.Length)],
                Colours[rng.NextBelow(Colours.Length)],
                SceneSpec.MinCount + rng.NextBelow(SceneSpec.MaxCount - SceneSpec.MinCount + 1),
                Positions[rng.NextBelow(Positions.Length)]);
        }
        return specs;
    }

    /// <summary>Every distinct spec once (4 x 6 x 3 x 4 = 288), in a fixed order: for exhaustive checks.</summary>
    public static IReadOnlyList<SceneSpec> All()
    {
        var specs = new List<SceneSpec>();
        foreach (var shape in Shapes)
        {
            foreach (var colour in Colours)
            {
                for (var count = SceneSpec.MinCount; count <= SceneSpec.MaxCount; count++)
                {
                    foreach (var position in Positions)
                    {
                        specs.Add(new SceneSpec(shape, colour, count, position));
                    }
                }
            }
        }
        return specs;
    }
}
