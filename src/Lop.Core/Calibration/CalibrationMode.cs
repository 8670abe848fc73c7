namespace Lop.Core.Calibration;

/// <summary>
/// What the calibration data fed the model. <see cref="TextOnlyReason"/> is set when images or a vision
/// tower went unused (a Qwen2-VL model, a LLaVA model given text, images given to a text model).
/// </summary>
public sealed record CalibrationMode(string Kind, string? TextOnlyReason)
{
    public static CalibrationMode Text { get; } = new("text", null);

    public static CalibrationMode ImageText { get; } = new("image+text", null);

    public static CalibrationMode TextOnly(string reason) => new("text", reason);
}
