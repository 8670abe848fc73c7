using Lop.Core.Errors;
using StbImageSharp;
using StbImageWriteSharp;

namespace Lop.Core.Images;

/// <summary>
/// Image files in and out: PNG, JPEG (and BMP, TGA, GIF) decoded to RGB by StbImageSharp, PNG written
/// by StbImageWriteSharp; both are managed ports of the stb single-file libraries, so no native code.
/// </summary>
public static class ImageFile
{
    /// <summary>Decodes <paramref name="path"/>; a failure names the image and, when given, the calibration line that refers to it.</summary>
    public static RgbImage Read(string path, string? calibrationFile = null, int? line = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, calibrationFile, line, File.Exists(path) ? $"cannot be read ({ex.Message})" : "does not exist", ex);
        }
        ImageResult decoded;
        try
        {
            decoded = ImageResult.FromMemory(bytes, StbImageSharp.ColorComponents.RedGreenBlue);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or NullReferenceException or OverflowException)
        {
            // stb reports corrupt, truncated and unknown formats as plain exceptions.
            throw Unreadable(path, calibrationFile, line, $"is not a readable image ({ex.Message})", ex);
        }
        if (decoded is null || decoded.Width <= 0 || decoded.Height <= 0 || decoded.Data is null || decoded.Data.Length < 3L * decoded.Width * decoded.Height)
        {
            throw Unreadable(path, calibrationFile, line, "is not a readable image", null);
        }
        var pixels = decoded.Data.Length == 3 * decoded.Width * decoded.Height ? decoded.Data : decoded.Data[..(3 * decoded.Width * decoded.Height)];
        return new RgbImage(decoded.Width, decoded.Height, pixels);
    }

    /// <summary>Writes a PNG through a temporary file renamed into place, so a reader never sees half an image.</summary>
    public static void WritePng(RgbImage image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");
        try
        {
            using (var stream = File.Create(temporary))
            {
                new ImageWriter().WritePng(image.Pixels, image.Width, image.Height, StbImageWriteSharp.ColorComponents.RedGreenBlue, stream);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new LopException(ErrorCodes.OutputNotWritable, $"cannot write image {path}: {ex.Message}", path, inner: ex);
        }
    }

    private static LopException Unreadable(string path, string? calibrationFile, int? line, string what, Exception? inner) =>
        new(ErrorCodes.ImageUnreadable,
            (line is int l ? $"Line {l}: image " : "image ") + $"'{path}' {what}. Check the path (relative to the calibration file) and that it is a PNG or JPEG file.",
            calibrationFile ?? path, line, inner: inner);
}
