using Lop.Core.Calibration;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Equal-length calibration sequences packed as tensors: tokens [count, seq], the loss mask over
/// next-token targets [count, seq - 1] when any sequence has one, and images [count, 3, H, W] when the
/// sequences carry images. Callers group sequences by length (<see cref="LogLikelihood"/>), so no
/// padding is needed and no padded position ever reaches the FFN statistics.
/// </summary>
internal sealed record SequenceBatch(Tensor Tokens, Tensor? TargetMask, Tensor? Images)
{
    public static SequenceBatch Create(IReadOnlyList<CalibrationSequence> sequences, int start, int count)
    {
        var length = sequences[start].Length;
        var flat = new long[count * length];
        var anyMask = false;
        var withImages = 0;
        for (var i = 0; i < count; i++)
        {
            var sequence = sequences[start + i];
            if (sequence.Length != length)
            {
                throw new ArgumentException($"sequence {start + i} has {sequence.Length} tokens, expected {length}");
            }
            for (var t = 0; t < length; t++)
            {
                flat[i * length + t] = sequence.Tokens[t];
            }
            anyMask |= sequence.LossMask is not null;
            withImages += sequence.Image is null ? 0 : 1;
        }
        if (withImages != 0 && withImages != count)
        {
            throw new ArgumentException("a batch mixes sequences with and without images");
        }
        return new SequenceBatch(
            tensor(flat, [count, length]),
            anyMask ? PackTargetMask(sequences, start, count, length) : null,
            withImages == 0 ? null : PackImages(sequences, start, count));
    }

    /// <summary>The inputs (all but the last token) and their targets (all but the first).</summary>
    public (SequenceBatch Inputs, Tensor Targets) ShiftForNextToken()
    {
        var seq = Tokens.shape[1];
        return (this with { Tokens = Tokens.narrow(1, 0, seq - 1) }, Tokens.narrow(1, 1, seq - 1));
    }

    private static Tensor PackTargetMask(IReadOnlyList<CalibrationSequence> sequences, int start, int count, int length)
    {
        var mask = new bool[count * (length - 1)];
        for (var i = 0; i < count; i++)
        {
            var own = sequences[start + i].LossMask;
            for (var t = 1; t < length; t++)
            {
                mask[i * (length - 1) + t - 1] = own?[t] ?? true;
            }
        }
        return tensor(mask, [count, length - 1]);
    }

    private static Tensor PackImages(IReadOnlyList<CalibrationSequence> sequences, int start, int count)
    {
        var first = sequences[start].Image!;
        var size = 3 * first.Height * first.Width;
        var flat = new float[count * size];
        for (var i = 0; i < count; i++)
        {
            var image = sequences[start + i].Image!;
            if (image.Height != first.Height || image.Width != first.Width || image.Values.Length != size)
            {
                throw new ArgumentException($"image of sequence {start + i} is {image.Height}x{image.Width}, expected {first.Height}x{first.Width}");
            }
            Array.Copy(image.Values, 0, flat, i * size, size);
        }
        return tensor(flat, [count, 3, first.Height, first.Width]);
    }
}
