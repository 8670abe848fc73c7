using Lop.Core.Calibration;

namespace Lop.Core.Evaluation;

/// <summary>
/// The same sequences, each with another sequence's image: the "wrong image" half of the multimodal
/// gap. Sequence i takes the image of the nearest following sequence whose image and text both differ,
/// so a caption is never scored against its own picture or a picture already described by it; the
/// image has the same size as its own, so the sequence's image tokens still fit it.
/// </summary>
internal static class ImageSwap
{
    public static CalibrationSequence[] WithWrongImages(IReadOnlyList<CalibrationSequence> sequences)
    {
        var result = new CalibrationSequence[sequences.Count];
        for (var i = 0; i < sequences.Count; i++)
        {
            var own = sequences[i];
            result[i] = own;
            for (var step = 1; step < sequences.Count; step++)
            {
                var other = sequences[(i + step) % sequences.Count];
                // Same size only: a Qwen2-VL image's token count follows its size, and the sequence's tokens are fixed.
                if (other.Image is not null && !ReferenceEquals(other.Image, own.Image) && !other.Tokens.AsSpan().SequenceEqual(own.Tokens)
                    && (own.Image is null || (other.Image.Height == own.Image.Height && other.Image.Width == own.Image.Width)))
                {
                    result[i] = own with { Image = other.Image };
                    break;
                }
            }
        }
        return result;
    }
}
