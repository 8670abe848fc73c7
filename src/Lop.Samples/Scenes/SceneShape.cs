namespace Lop.Samples.Scenes;

/// <summary>
/// The shapes a scene can show: four whose outlines stay distinct at 8 pixels across, so a model
/// looking at a 32-pixel image can still tell them apart (the sample renders 64-pixel ones, where they are 16 across).
/// </summary>
internal enum SceneShape
{
    Circle,
    Square,
    Triangle,
    Cross,
}
