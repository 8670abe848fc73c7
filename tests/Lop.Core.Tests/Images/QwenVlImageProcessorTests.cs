using Lop.Core.Errors;
using Lop.Core.Images;
using Xunit;

namespace Lop.Core.Tests.Images;

public class QwenVlImageProcessorTests
{
    [Theory]
    // 100/28 = 3.57 -> 4, 200/28 = 7.14 -> 7: inside the pixel range, each side rounded.
    [InlineData(100, 200, 3136, 12_845_056, 112, 196)]
    // 70/28 = 2.5 -> 2 and 98/28 = 3.5 -> 4: Python's round, half to even.
    [InlineData(70, 98, 3136, 12_845_056, 56, 112)]
    // 308 x 588 > 50000: beta = sqrt(300*600/50000) = 1.897; 158.1/28 = 5.6 -> 5, 316.2/28 = 11.3 -> 11 (floor).
    [InlineData(300, 600, 3136, 50_000, 140, 308)]
    // 28 x 28 < 3136: beta = sqrt(3136/1200) = 1.617; 48.5/28 = 1.7 -> 2, 64.7/28 = 2.3 -> 3 (ceil).
    [InlineData(30, 40, 3136, 12_845_056, 56, 84)]
    // Aspect exactly 200 is allowed.
    [InlineData(28, 5600, 28, 12_845_056, 28, 5600)]
    public void Smart_resize_gives_the_hand_worked_size(int height, int width, long min, long max, int expectedHeight, int expectedWidth)
    {
        Assert.Equal((expectedHeight, expectedWidth), SmartResize.Size(height, width, 28, min, max));
    }

    [Theory]
    [InlineData(27, 100)]
    [InlineData(100, 27)]
    [InlineData(28, 5628)]
    public void A_side_under_28_or_an_aspect_over_200_is_LOP3009(int height, int width)
    {
        var error = Assert.Throws<LopException>(() => SmartResize.Size(height, width, 28, 3136, 12_845_056));
        Assert.Equal(ErrorCodes.ImageSizeUnsupported, error.Code);
        Assert.Contains($"{width}x{height}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Patches_go_merge_block_by_block_with_features_channel_frame_y_x()
    {
        // A 4 x 8 image, patch 2, merge 2: grid 2 x 4, two merge blocks side by side. Value = c*10000 + y*100 + x.
        const int height = 4, width = 8;
        var image = new float[3 * height * width];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    image[(c * height + y) * width + x] = c * 10000 + y * 100 + x;
                }
            }
        }

        var patches = QwenVlPatches.FromStill(image, height, width, patchSize: 2, temporalPatchSize: 2, mergeSize: 2);

        Assert.Equal((1, 2, 4), (patches.GridT, patches.GridH, patches.GridW));
        Assert.Equal((8, 24), (patches.Rows, patches.Features));
        // Each row's first feature is its patch's top-left pixel: block 0 (x 0-3) row-major, then block 1 (x 4-7).
        float[] topLefts = [0, 2, 200, 202, 4, 6, 204, 206];
        Assert.Equal(topLefts, Enumerable.Range(0, 8).Select(r => patches.Values[r * 24]));
        // Row 6 is block 1's lower-left patch (y 2-3, x 4-5): channel 0 frame 0, then frame 1 (the same still), then channel 1.
        float[] row6 = [204, 205, 304, 305, 204, 205, 304, 305, 10204, 10205, 10304, 10305];
        Assert.Equal(row6, patches.Values.Skip(6 * 24).Take(12));
        Assert.Equal(20305, patches.Values[6 * 24 + 23]);
    }

    [Fact]
    public void A_uniform_image_is_resized_rescaled_and_normalised_per_channel()
    {
        var image = new RgbImage(50, 30);
        for (var p = 0; p < 50 * 30; p++)
        {
            image[p % 50, p / 50] = (255, 0, 51);
        }

        var patches = new QwenVlImageProcessor().Apply(image);

        // 30 x 50 -> 28 x 56 (1.07 -> 1, 1.79 -> 2), below 3136 pixels -> beta = sqrt(3136/1500) = 1.446: 43.4 -> 56, 72.3 -> 84.
        Assert.Equal((1, 4, 6), (patches.GridT, patches.GridH, patches.GridW));
        Assert.Equal(1176, patches.Features);
        var red = (float)((1.0 - 0.48145466) / 0.26862954);
        var blue = (float)((0.2 - 0.40821073) / 0.27577711);
        Assert.Equal(red, patches.Values[0], 5);
        Assert.Equal(blue, patches.Values[2 * 392 + 391], 5);
    }

    [Fact]
    public void Pixel_limits_come_from_preprocessor_config_in_either_naming()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Sub(ImagePreprocessor.FileName), """{"size": {"shortest_edge": 100, "longest_edge": 5000}, "merge_size": 2}""");
        var processor = QwenVlImageProcessor.Load(temp.Path);
        Assert.Equal((100L, 5000L), (processor.MinPixels, processor.MaxPixels));

        File.WriteAllText(temp.Sub(ImagePreprocessor.FileName), """{"min_pixels": 784, "max_pixels": 9000}""");
        Assert.Equal((784L, 9000L), (QwenVlImageProcessor.Load(temp.Path).MinPixels, QwenVlImageProcessor.Load(temp.Path).MaxPixels));
        Assert.Equal(QwenVlImageProcessor.HubMaxPixels, QwenVlImageProcessor.Load(temp.Sub("none")).MaxPixels);
    }
}
