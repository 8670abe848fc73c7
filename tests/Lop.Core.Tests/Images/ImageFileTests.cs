using Lop.Core.Errors;
using Lop.Core.Images;
using Xunit;

namespace Lop.Core.Tests.Images;

public class ImageFileTests
{
    [Fact]
    public void A_written_png_reads_back_byte_for_byte()
    {
        using var temp = new TempFolder();
        var image = new RgbImage(5, 3);
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = (byte)(i * 17);
        }
        ImageFile.WritePng(image, temp.Sub("a.png"));

        var back = ImageFile.Read(temp.Sub("a.png"));
        Assert.Equal((5, 3), (back.Width, back.Height));
        Assert.Equal(image.Pixels, back.Pixels);
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void A_jpeg_decodes_to_its_colour()
    {
        using var temp = new TempFolder();
        var image = new RgbImage(16, 16);
        for (var p = 0; p < 256; p++)
        {
            image[p % 16, p / 16] = (200, 40, 90);
        }
        using (var stream = File.Create(temp.Sub("a.jpg")))
        {
            new StbImageWriteSharp.ImageWriter().WriteJpg(image.Pixels, 16, 16, StbImageWriteSharp.ColorComponents.RedGreenBlue, stream, 95);
        }

        var back = ImageFile.Read(temp.Sub("a.jpg"));
        var (r, g, b) = back[8, 8];
        Assert.InRange(r, 190, 210);
        Assert.InRange(g, 30, 50);
        Assert.InRange(b, 80, 100);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("truncated")]
    [InlineData("text")]
    public void A_missing_or_corrupt_image_is_LOP3007_at_the_calibration_line(string kind)
    {
        using var temp = new TempFolder();
        var path = temp.Sub("bad.png");
        if (kind != "missing")
        {
            var image = new RgbImage(8, 8);
            ImageFile.WritePng(image, path);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, kind == "truncated" ? bytes[..(bytes.Length / 2)] : "not an image at all"u8.ToArray());
        }

        var error = Assert.Throws<LopException>(() => ImageFile.Read(path, "/data/calibration.jsonl", 12));
        Assert.Equal(ErrorCodes.ImageUnreadable, error.Code);
        Assert.Equal("/data/calibration.jsonl", error.File);
        Assert.Equal(12, error.Line);
        Assert.Contains(path, error.Message);
    }
}
