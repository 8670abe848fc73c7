namespace Lop.Core.Calibration;

/// <summary>
/// One calibration sequence as the model sees it: token ids, and for a multimodal model the image
/// whose features replace the image-token positions. <see cref="LossMask"/> says which positions are
/// targets of the next-token loss; text sequences predict every token after the first, image+text
/// sequences only their text (an image token is not something to predict).
/// </summary>
public sealed record CalibrationSequence(int[] Tokens)
{
    /// <summary>The preprocessed image for the image-token positions (null for text).</summary>
    public ImagePixels? Image { get; init; }

    /// <summary>LossMask[t] is true when token t is a target; null means every token from position 1 on.</summary>
    public bool[]? LossMask { get; init; }

    public int Length => Tokens.Length;

    /// <summary>Positions counted by the loss (never position 0: nothing precedes it).</summary>
    public int TargetCount => LossMask is null ? Math.Max(0, Tokens.Length - 1) : LossMask.Skip(1).Count(m => m);

    public static implicit operator CalibrationSequence(int[] tokens) => new(tokens);

    /// <summary>Text windows as sequences.</summary>
    public static CalibrationSequence[] FromTokens(IEnumerable<int[]> windows) => windows.Select(w => new CalibrationSequence(w)).ToArray();
}

/// <summary>An image already resized and normalised for the vision tower: float32 [3, Height, Width], channel-major.</summary>
public sealed record ImagePixels(float[] Values, int Height, int Width)
{
    /// <summary>The image file (absolute path), for tools that read the image themselves (llama.cpp's mtmd).</summary>
    public string? Source { get; init; }
}
