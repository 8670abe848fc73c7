using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Images;
using Xunit;

namespace Lop.Core.Tests.Multimodal;

public class ImageTextCalibrationTests
{
    private static readonly ImageTextCalibration.ImageSettings Settings = new(256, 4,
        ImagePreprocessor.FromJson(System.Text.Json.Nodes.JsonNode.Parse("""{"size": {"shortest_edge": 8}, "crop_size": 8}""")!.AsObject(), "preprocessor_config.json"));

    private static string Write(TempFolder temp, params string[] lines)
    {
        Directory.CreateDirectory(temp.Sub("img"));
        for (var i = 0; i < 3; i++)
        {
            var image = new RgbImage(12, 8);
            Array.Fill(image.Pixels, (byte)(40 * i + 10));
            ImageFile.WritePng(image, temp.Sub($"img/{i}.png"));
        }
        var path = temp.Sub("calibration.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static CalibrationSet Load(string path) =>
        ImageTextCalibration.Load(path, ByteTokenizer.Instance, Settings, maxTextTokens: 16, heldOutFraction: 0.34, vocabSize: 257);

    [Fact]
    public void Each_record_is_text_with_one_images_worth_of_image_tokens_and_loss_on_the_text_only()
    {
        using var temp = new TempFolder();
        var path = Write(temp,
            """{"image": "img/0.png", "text": "ab"}""",
            """{"image": "img/1.png", "text": "Q: <image> what?"}""",
            """{"image": "img/2.png", "text": "a very long caption that is cut to sixteen tokens"}""");

        var set = Load(path);
        var all = set.Search.Concat(set.HeldOut).OrderBy(s => s.Image!.Source).ToList();

        Assert.True(set.HasImages);
        Assert.Equal((1, 2), (set.HeldOut.Length, set.Search.Length));
        Assert.Equal([256, 256, 256, 256, 'a', 'b'], all[0].Tokens);
        Assert.Equal([false, false, false, false, true, true], all[0].LossMask!);
        Assert.Equal("Q: ".Select(c => (int)c).Concat([256, 256, 256, 256]).Concat(" what?".Select(c => (int)c)), all[1].Tokens);
        Assert.Equal(4 + 16, all[2].Length);
        Assert.Equal(3 * 8 * 8, all[0].Image!.Values.Length);
        Assert.Equal(2 + 6, all[1].TargetCount);
    }

    [Fact]
    public void The_content_hash_follows_the_image_bytes()
    {
        using var temp = new TempFolder();
        var path = Write(temp, """{"image": "img/0.png", "text": "one"}""", """{"image": "img/1.png", "text": "two"}""");
        var before = Load(path).ContentHash;
        var image = new RgbImage(12, 8);
        Array.Fill(image.Pixels, (byte)255);
        ImageFile.WritePng(image, temp.Sub("img/1.png"));

        Assert.NotEqual(before, Load(path).ContentHash);
    }

    [Theory]
    [InlineData("""{"image": "img/9.png", "text": "gone"}""", ErrorCodes.ImageUnreadable)]
    [InlineData("""{"text": "no image"}""", ErrorCodes.CalibrationLineInvalid)]
    [InlineData("""{"image": "img/1.png", "text": "<image><image>"}""", ErrorCodes.CalibrationLineInvalid)]
    [InlineData("""{"image": "img/1.png", "text": "<image>"}""", ErrorCodes.CalibrationLineInvalid)]
    [InlineData("""{"image": "img/1.png", "text": "caf\u00e9 \u00ff"}""", null)]
    public void A_bad_record_is_a_coded_error_at_its_line(string second, string? code)
    {
        using var temp = new TempFolder();
        var path = Write(temp, """{"image": "img/0.png", "text": "fine"}""", second, """{"image": "img/2.png", "text": "fine too"}""");
        if (code is null)
        {
            Assert.Equal(3, Load(path).Search.Length + Load(path).HeldOut.Length);
            return;
        }
        var error = Assert.Throws<LopException>(() => Load(path));
        Assert.Equal(code, error.Code);
        Assert.Equal(path, error.File);
        Assert.Equal(2, error.Line);
    }
}
