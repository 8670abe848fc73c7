using System.Buffers;
using System.Text.Unicode;
using Lop.Core.Errors;

namespace Lop.Core.Calibration;

/// <summary>
/// Streams a file as strictly decoded UTF-8 lines with 1-based numbers, so a bad byte is reported on
/// its own line instead of silently becoming U+FFFD tokens in the calibration data.
/// </summary>
internal static class Utf8LineReader
{
    public readonly record struct Line(int Number, string Text);

    public static IEnumerable<Line> ReadLines(Stream stream, string path)
    {
        var chunk = new byte[64 * 1024];
        var line = new byte[1024];
        var length = 0;
        var number = 1;
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            // Offsets, not spans: a span cannot live across the yield.
            var start = 0;
            while (true)
            {
                // '\n' never occurs inside a multi-byte UTF-8 sequence, so splitting bytes on it is safe.
                var newline = chunk.AsSpan(start, read - start).IndexOf((byte)'\n');
                var partLength = newline < 0 ? read - start : newline;
                if (length + partLength > line.Length)
                {
                    Array.Resize(ref line, Math.Max(line.Length * 2, length + partLength));
                }
                Buffer.BlockCopy(chunk, start, line, length, partLength);
                length += partLength;
                if (newline < 0)
                {
                    break;
                }
                yield return new Line(number, Decode(line.AsSpan(0, length), number, path));
                number++;
                length = 0;
                start += newline + 1;
            }
        }
        if (length > 0)
        {
            yield return new Line(number, Decode(line.AsSpan(0, length), number, path));
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes, int number, string path)
    {
        if (number == 1 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        if (!bytes.IsEmpty && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(bytes.Length, 1));
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out var bytesRead, out var charsWritten, replaceInvalidSequences: false);
            if (status != OperationStatus.Done)
            {
                throw new LopException(ErrorCodes.CalibrationLineInvalid,
                    $"Line {number} is not valid UTF-8 (byte {bytesRead + 1} of the line). Save the calibration file as UTF-8.",
                    path, number, bytesRead + 1);
            }
            return new string(chars, 0, charsWritten);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
