using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Images;
using Xunit;

namespace Lop.Core.Tests.Images;

public class ImagePreprocessorTests
{
    private const string Clip336 = """
        {"crop_size": {"height": 336, "width": 336}, "do_center_crop": true, "do_convert_rgb": true, "do_normalize": true,
         "do_rescale": true, "do_resize": true, "image_mean": [0.48145466, 0.4578275, 0.40821073],
         "image_processor_type": "CLIPImageProcessor", "image_std": [0.26862954, 0.26130258, 0.27577711],
         "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 336}}
        """;

    private static ImagePreprocessor Parse(string json) => ImagePreprocessor.FromJson(JsonNode.Parse(json)!.AsObject(), "preprocessor_config.json");

    [Fact]
    public void Clip_and_siglip_configs_are_read()
    {
        var clip = Parse(Clip336);
        Assert.Equal((336, 336), (clip.Height, clip.Width));
        Assert.Equal(336, clip.ShortestEdge);
        Assert.True(clip.DoCenterCrop);

        var siglip = Parse("""{"image_processor_type": "SiglipImageProcessor", "size": {"height": 384, "width": 384}, "do_normalize": true}""");
        Assert.Equal((384, 384), (siglip.Height, siglip.Width));
        Assert.False(siglip.DoCenterCrop);
        Assert.Equal([0.5, 0.5, 0.5], siglip.Mean);
    }

    [Fact]
    public void A_bad_field_is_LOP2105_naming_it()
    {
        var error = Assert.Throws<LopException>(() => Parse(Clip336.Replace("[0.48145466, 0.4578275, 0.40821073]", "[0.5, 0.5]", StringComparison.Ordinal)));
        Assert.Equal(ErrorCodes.PreprocessorInvalid, error.Code);
        Assert.Contains("image_mean", error.Message);
    }

    [Fact]
    public void Rescale_and_normalise_a_known_pixel_at_the_model_size()
    {
        var pre = Parse("""{"size": {"shortest_edge": 4}, "crop_size": 4, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.5, 1.0]}""");
        var image = new RgbImage(4, 4);
        image[1, 2] = (255, 0, 51);

        var output = pre.Apply(image);

        Assert.Equal(3 * 16, output.Length);
        Assert.Equal(2.0f, output[0 * 16 + 2 * 4 + 1], 5);          // (1 - 0.5) / 0.25
        Assert.Equal(-1.0f, output[1 * 16 + 2 * 4 + 1], 5);         // (0 - 0.5) / 0.5
        Assert.Equal(-0.3f, output[2 * 16 + 2 * 4 + 1], 5);         // (0.2 - 0.5) / 1
        Assert.Equal(-2.0f, output[0], 5);                           // black
    }

    [Fact]
    public void Resizing_keeps_a_constant_image_constant_and_averages_blocks_when_halving()
    {
        var pre = Parse("""{"size": {"shortest_edge": 8}, "crop_size": 8, "do_normalize": false, "do_rescale": false}""");
        var constant = new RgbImage(19, 13);
        Array.Fill(constant.Pixels, (byte)77);
        Assert.All(pre.Apply(constant), v => Assert.Equal(77f, v));

        // 16x16 of 8x8 blocks (two colours) halved to 8x8: away from the block edges (where bicubic
        // rings, as PIL's does) each output pixel is its block's colour.
        var blocks = new RgbImage(16, 16);
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x < 16; x++)
            {
                blocks[x, y] = (x < 8) == (y < 8) ? ((byte)200, (byte)200, (byte)200) : ((byte)20, (byte)20, (byte)20);
            }
        }
        var halved = pre.Apply(blocks);
        Assert.Equal(200f, halved[1 * 8 + 1]);
        Assert.Equal(20f, halved[1 * 8 + 6]);
        Assert.Equal(200f, halved[6 * 8 + 6]);
    }

    [Fact]
    public void The_shortest_edge_is_resized_and_the_centre_cropped()
    {
        var pre = Parse("""{"size": {"shortest_edge": 2}, "crop_size": {"height": 2, "width": 2}, "do_normalize": false, "do_rescale": false}""");
        // 2x6: columns 2 and 3 (the centre) are white, the rest black; no resize needed (short side is 2).
        var wide = new RgbImage(6, 2);
        for (var y = 0; y < 2; y++)
        {
            wide[2, y] = (255, 255, 255);
            wide[3, y] = (255, 255, 255);
        }
        Assert.All(pre.Apply(wide), v => Assert.Equal(255f, v));
    }
}
