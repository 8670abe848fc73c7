namespace Lop.Samples.Scenes;

/// <summary>
/// Which pixels a shape covers: a pixel is in when its centre is, tested analytically (no
/// anti-aliasing), so every shape pixel has exactly the shape's colour and a test can find it.
/// </summary>
internal static class ShapeRaster
{
    public static bool Covers(SceneShape shape, SceneBox box, double x, double y)
    {
        if (x < box.X || x >= box.X + box.Side || y < box.Y || y >= box.Y + box.Side)
        {
            return false;
        }
        var dx = x - box.CentreX;
        var dy = y - box.CentreY;
        var radius = box.Side / 2;
        return shape switch
        {
            SceneShape.Square => true,
            SceneShape.Circle => dx * dx + dy * dy <= radius * radius,
            // Apex at the top centre, base along the bottom edge: the two slanted edge functions
            // reduce to "half-width grows by half a pixel per pixel of depth".
            SceneShape.Triangle => Math.Abs(dx) <= (y - box.Y) / 2,
            // Two bars a third of the side thick; thinner bars vanish into a blob at 8 px.
            SceneShape.Cross => Math.Abs(dx) <= box.Side / 6 || Math.Abs(dy) <= box.Side / 6,
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "not a scene shape"),
        };
    }
}
