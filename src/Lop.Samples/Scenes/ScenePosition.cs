namespace Lop.Samples.Scenes;

/// <summary>
/// Which half of the image the group of shapes sits in. Halves, not a 3x3 grid: three shapes of a
/// quarter of the image's side fit along a half's long side, and a centroid test can check them.
/// </summary>
internal enum ScenePosition
{
    Left,
    Right,
    Top,
    Bottom,
}
