using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Loading;
using Lop.Core.Models;
using Lop.Core.Models.QwenVision;
using Xunit;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

/// <summary>Qwen2-VL's language model with images: M-RoPE positions, the rotary tables, and the whole model loaded from a folder.</summary>
public class QwenVlModelTests
{
    public QwenVlModelTests() => Lop.Native.TorchRuntime.EnsureLoaded();

    [Fact]
    public void Rope_index_of_text_image_text_is_the_hand_worked_one()
    {
        // a b <start> [image: merged grid 2 x 3] <end> c: the text counts 0, 1, 2; the image starts at 3 and
        // takes (3, 3 + row, 3 + column); the text after it resumes at 3 + max(2, 3) = 6.
        const long image = 99;
        long[] tokens = [10, 11, 12, image, image, image, image, image, image, 13, 14];

        var positions = QwenRopeIndex.Positions(tokens, [(1, 4, 6)], image, merge: 2);

        long[] time = [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7];
        long[] rows = [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7];
        long[] columns = [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7];
        Assert.Equal(time, Enumerable.Range(0, tokens.Length).Select(i => positions[0, i]));
        Assert.Equal(rows, Enumerable.Range(0, tokens.Length).Select(i => positions[1, i]));
        Assert.Equal(columns, Enumerable.Range(0, tokens.Length).Select(i => positions[2, i]));
    }

    [Fact]
    public void M_rope_takes_each_frequency_section_from_its_axis()
    {
        // Head dim 8, sections [1, 1, 2]: frequency 0 (1) from time 2, frequency 1 (0.1) from row 3,
        // frequencies 2 and 3 (0.01, 0.001) from column 5; the second half repeats the first.
        using var positions = tensor(new long[] { 2, 3, 5 }, [3, 1, 1]);
        var (cos, sin) = MultimodalRotary.Tables(positions, 8, 10000, [1, 1, 2], ScalarType.Float64);

        double[] angles = [2 * 1.0, 3 * 0.1, 5 * 0.01, 5 * 0.001];
        var expected = angles.Concat(angles).ToArray();
        Assert.Equal([1L, 1, 1, 8], cos.shape);
        Assert.Equal(expected.Select(Math.Cos), cos.data<double>().ToArray(), new ToleranceComparer(1e-12));
        Assert.Equal(expected.Select(Math.Sin), sin.data<double>().ToArray(), new ToleranceComparer(1e-12));
    }

    [Fact]
    public void M_rope_with_equal_positions_is_plain_rope()
    {
        using var positions = arange(0, 7, dtype: ScalarType.Int64).reshape(1, 1, 7).expand(3, 1, 7).contiguous();
        var (cos, sin) = MultimodalRotary.Tables(positions, 8, 10000, [1, 1, 2], ScalarType.Float32);
        var (plainCos, plainSin) = RotaryEmbedding.Tables(7, 8, 10000, null, ScalarType.Float32, CPU);
        Assert.True(cos.squeeze(0).squeeze(0).allclose(plainCos, atol: 1e-6));
        Assert.True(sin.squeeze(0).squeeze(0).allclose(plainSin, atol: 1e-6));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void A_saved_model_loads_under_either_naming_and_its_images_change_the_text_after_them(bool windowed, bool newNames)
    {
        using var temp = new TempFolder();
        var config = TinyQwenVl.Config(windowed);
        using var model = TinyQwenVl.Random(config);
        var layout = newNames ? CheckpointLayout.QwenVl : CheckpointLayout.QwenVlLegacy;
        var folder = TinyQwenVl.Save(model, temp.Sub("model"), layout);
        var sequences = TinyQwenVl.Sequences(config, 2);

        using var checkpoint = HfCheckpoint.Open(folder);
        Assert.Equal(config.Architecture, checkpoint.Config.Architecture);
        var (written, read) = (config.QwenVision!, checkpoint.Config.QwenVision!);
        Assert.Equal((written.Windowed, written.Depth, written.Width, written.NumHeads, written.OutHiddenSize, written.Windowed ? written.WindowSize : 0, written.HiddenAct, written.ImageTokenId),
            (read.Windowed, read.Depth, read.Width, read.NumHeads, read.OutHiddenSize, read.Windowed ? read.WindowSize : 0, read.HiddenAct, read.ImageTokenId));
        Assert.Equal(written.IntermediateSizes, read.IntermediateSizes);
        Assert.Equal(written.FullAttentionBlocks, read.FullAttentionBlocks);
        Assert.Equal(written.MropeSection, read.MropeSection);
        Assert.Equal(newNames ? "model.language_model." : "model.", checkpoint.Config.DecoderPrefix);
        Assert.Contains(newNames ? "model.visual.merger.mlp.0.weight" : "visual.merger.mlp.0.weight", checkpoint.TensorNames);
        using var loaded = (QwenVlModel)CheckpointLoader.LoadPrunable(checkpoint);
        using var expected = TinyLlava.Logits(model, sequences);
        using var actual = TinyLlava.Logits(loaded, sequences);
        Assert.True(expected.allclose(actual, atol: 1e-5));

        // The same tokens with the other sequence's image: the text after the image sees it, the text before does not.
        var swapped = new[] { sequences[0] with { Image = sequences[1].Image }, sequences[1] with { Image = sequences[0].Image } };
        using var other = TinyLlava.Logits(loaded, swapped);
        Assert.True(actual.narrow(1, 0, 2).allclose(other.narrow(1, 0, 2), atol: 1e-6));
        Assert.True(actual.narrow(1, 9, 5).sub(other.narrow(1, 9, 5)).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void The_image_forward_rotates_by_the_m_rope_positions()
    {
        var config = TinyQwenVl.Config();
        using var model = TinyQwenVl.Random(config);
        var sequences = TinyQwenVl.Sequences(config, 1);
        using var batch = TinyLlava.Logits(model, sequences);

        // By hand: image features at the image tokens, positions 0 1 2 | (3, 3+r, 3+c) | 6 7 8 9 10 11.
        using var inference = inference_mode();
        using var pixels = tensor(sequences[0].Image!.Values, [1, 3, TinyQwenVl.ImageHeight, TinyQwenVl.ImageWidth]);
        using var tokens = tensor(sequences[0].Tokens.Select(t => (long)t).ToArray(), [1, sequences[0].Length]);
        var embeddings = model.LanguageModel.EmbedTokens(tokens).clone();
        using var features = model.ImageFeatures(pixels, out _);
        embeddings.narrow(1, 3, 6).copy_(features.unsqueeze(0));
        long[] time = [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8, 9, 10, 11];
        long[] rows = [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8, 9, 10, 11];
        long[] columns = [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        using var positions = tensor(time.Concat(rows).Concat(columns).ToArray(), [3, 1, 15]);
        var rotary = MultimodalRotary.Tables(positions, config.HeadDim, config.RopeTheta, [1, 1, 2], ScalarType.Float32);
        using var byHand = model.LanguageModel.ForwardEmbeddings(embeddings, rotary);
        using var plainRope = model.LanguageModel.ForwardEmbeddings(embeddings);

        Assert.True(batch.allclose(byHand, atol: 1e-5));
        Assert.True(batch.sub(plainRope).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void Image_tokens_that_do_not_match_the_image_are_LOP3002_naming_both_counts()
    {
        var config = TinyQwenVl.Config();
        using var model = TinyQwenVl.Random(config);
        var sequence = TinyQwenVl.Sequences(config, 1)[0];
        var fewer = sequence with { Tokens = sequence.Tokens.Select((t, i) => i == 4 ? 1 : t).ToArray() };

        var error = Assert.Throws<LopException>(() => TinyLlava.Logits(model, [fewer]));
        Assert.Equal(ErrorCodes.CalibrationLineInvalid, error.Code);
        Assert.Contains("5..5 image tokens", error.Message, StringComparison.Ordinal);
        Assert.Contains("gives 6 features", error.Message, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
