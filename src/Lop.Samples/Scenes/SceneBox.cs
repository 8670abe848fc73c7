namespace Lop.Samples.Scenes;

/// <summary>
/// The square, in pixel coordinates (pixel (x, y) covers [x, x + 1) x [y, y + 1)), that one shape is
/// drawn inside. Fractional, so placement jitter is not quantised to whole pixels at 224 px.
/// </summary>
internal readonly record struct SceneBox(double X, double Y, double Side)
{
    public double CentreX => X + Side / 2;

    public double CentreY => Y + Side / 2;
}
