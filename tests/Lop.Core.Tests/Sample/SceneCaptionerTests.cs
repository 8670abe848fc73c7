using Lop.Core.Calibration;
using Lop.Core.Models;
using Lop.Samples;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Sample;

public class SceneCaptionerTests
{
    [Fact]
    public void Batched_greedy_captions_match_argmax_decoding_one_image_at_a_time()
    {
        var config = TinyLlava.Config(VisionConfig.Siglip, vocab: 257);
        using var model = TinyLlava.Random(config, seed: 5);
        var random = new Random(3);
        var images = Enumerable.Range(0, 5).Select(_ => new ImagePixels(
            Enumerable.Range(0, 3 * TinyLlava.ImageSize * TinyLlava.ImageSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
            TinyLlava.ImageSize, TinyLlava.ImageSize)).ToList();

        var captions = SceneCaptioner.Caption(model, images);

        Assert.Equal(images.Select(i => Reference(model, config, i)), captions);
        Assert.Contains(captions, c => c.Length > 1); // more than one step decoded somewhere
    }

    [Fact]
    public void Scores_exact_captions_and_each_attribute()
    {
        string[] expected = ["two red circles on the left.", "one blue square at the top.", "three cyan crosses at the bottom.", "one green triangle on the right."];
        string[] greedy = ["two red circles on the left.", "one blue cross at the top.", "two cyan crosses on the right.", "one green tri"];

        var score = SceneCaptionScore.Of(expected, greedy);

        Assert.Equal(4, score.Scenes);
        Assert.Equal(0.25, score.Exact);
        Assert.Equal(0.50, score.Count);
        Assert.Equal(0.75, score.Colour);
        Assert.Equal(0.50, score.Shape);
        Assert.Equal(0.50, score.Position);
    }

    /// <summary>The greedy caption computed the plain way: one image, the whole sequence again for every byte.</summary>
    private static string Reference(LlavaModel model, ModelConfig config, ImagePixels image)
    {
        var multimodal = config.Multimodal!;
        var tokens = Enumerable.Repeat((long)multimodal.ImageTokenIndex, multimodal.ImageTokens).Append('\n').ToList();
        var text = "";
        using var noGrad = no_grad();
        using var pixels = tensor(image.Values, [1, 3, image.Height, image.Width]);
        for (var step = 0; step < SceneCaptioner.MaxTokens; step++)
        {
            using var ids = tensor(tokens.ToArray(), [1, tokens.Count]);
            using var logits = model.forward(ids, pixels);
            var next = logits[0, tokens.Count - 1].argmax().item<long>();
            if (next == '\n' || next >= 256)
            {
                break;
            }
            text += (char)next;
            if (next == '.')
            {
                break;
            }
            tokens.Add(next);
        }
        return text;
    }
}
