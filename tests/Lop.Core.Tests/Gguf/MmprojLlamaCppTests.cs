using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Images;
using Lop.Core.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// The strongest check of an mmproj export: the real llama.cpp (LLamaSharp 0.30.0's build, with
/// mtmd) loads it beside a text GGUF and computes, for the same image, the projected features the
/// engine computes in TorchSharp.
/// </summary>
public class MmprojLlamaCppTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Llama_cpp_computes_the_engines_image_features_from_an_f32_siglip_mmproj(bool newNames)
    {
        var error = RelativeError(TinyLlava.Config(VisionConfig.Siglip), GgmlType.F32, newNames ? CheckpointLayout.Llava : null, Engine);
        Assert.True(error < F32Tolerance, $"relative error {error}");
    }

    [Fact]
    public void The_last_layers_features_and_a_layer_pruned_to_the_hidden_width_survive_llama_cpps_loader()
    {
        var config = TinyLlava.Config(VisionConfig.Siglip, featureLayer: -1);
        config = config with { Multimodal = config.Multimodal! with { Vision = config.Multimodal.Vision with { IntermediateSizes = [16, 20] } } };
        var error = RelativeError(config, GgmlType.F32, layout: null, Engine);
        Assert.True(error < F32Tolerance, $"relative error {error}");
    }

    [Fact]
    public void Llama_cpp_computes_the_engines_image_features_from_an_f16_mmproj_within_half_precision()
    {
        var error = RelativeError(TinyLlava.Config(VisionConfig.Siglip), GgmlType.F16, layout: null, Engine);
        Assert.True(error < F16Tolerance, $"relative error {error}");
    }

    [Fact]
    public void A_clip_mmproj_computes_exactly_what_llama_cpps_cls_last_graph_makes_of_the_engines_weights()
    {
        var config = TinyLlava.Config();
        var error = RelativeError(config, GgmlType.F32, layout: null, LlamaCppClsLastReference.ImageFeatures);
        Assert.True(error < F32Tolerance, $"relative error {error}");

        // Canary for ggml-org/llama.cpp#25814: while the bundled llama.cpp appends the class token, a
        // CLIP tower's features differ from LLaVA's. When this fails, LLamaSharp ships the fix: compare
        // CLIP towers with the engine directly and drop LlamaCppClsLastReference.
        var llavaError = RelativeError(config, GgmlType.F32, layout: null, Engine);
        Assert.True(llavaError > 0.1, $"llama.cpp now matches LLaVA's CLIP features (relative error {llavaError})");
    }

    /// <summary>
    /// f32 weights still differ from PyTorch by ggml's GELU: the CPU backend looks GELU and quick GELU
    /// up in fp16 tables (input and output rounded to 11 significant bits, about 5e-4 relative), and the
    /// projector's exact (erf) GELU is ggml's tanh approximation (under 2e-4 absolute), as in every
    /// llama.cpp LLaVA. 1e-3 of the largest feature bounds both with room; a wrong tensor, layout
    /// or layer count shows up as an error of order 1.
    /// </summary>
    private const double F32Tolerance = 1e-3;

    /// <summary>F16 matrices add about 5e-4 relative rounding per weight, accumulated over the layers.</summary>
    private const double F16Tolerance = 1e-2;

    private static Tensor Engine(LlavaModel model, Tensor pixels) => model.ImageFeatures(pixels);

    /// <summary>max |llama.cpp - engine| / max |engine| over every feature of one random image at the tower's size.</summary>
    private double RelativeError(ModelConfig config, GgmlType weightType, CheckpointLayout? layout, Func<LlavaModel, Tensor, Tensor> reference)
    {
        using var temp = new TempFolder();
        using var model = TinyLlava.Random(config);
        var folder = TinyLlava.Save(model, temp.Sub("llava"), layout);
        var mmproj = temp.Sub("mmproj.gguf");
        using (var checkpoint = HfCheckpoint.Open(folder))
        {
            MmprojExporter.Export(checkpoint, mmproj, weightType, CancellationToken.None);
        }
        var text = temp.Sub("text.gguf");
        var metadata = TinyGguf.LlamaMetadata(config.HiddenSize);
        GgufTokenizerMetadata.AddTo(metadata, folder, vocabRows: 256);
        TinyGguf.Write(text, metadata, vocabRows: 256, seed: 5, hidden: config.HiddenSize);
        var image = RandomImage(TinyLlava.ImageSize, seed: 3);

        var (actual, tokens, width) = MtmdImageEncoder.Encode(text, mmproj, image);
        var expected = EngineFeatures(model, folder, image, reference);
        Assert.Equal(config.Multimodal!.ImageTokens, tokens);
        Assert.Equal(config.HiddenSize, width);
        Assert.Equal(expected.Length, actual.Length);

        var scale = expected.Max(Math.Abs);
        var error = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max() / scale;
        output.WriteLine($"{config.Multimodal.Vision.ModelType} {weightType}: max |diff| / max |feature| = {error:E2} (max |feature| {scale:F3})");
        return error;
    }

    private static float[] EngineFeatures(LlavaModel model, string folder, RgbImage image, Func<LlavaModel, Tensor, Tensor> reference)
    {
        // The image already has the tower's size, so only rescale and normalise apply, as in mtmd.
        var preprocessor = ImagePreprocessor.Load(folder, TinyLlava.ImageSize) with { DoResize = false, DoCenterCrop = false };
        using var inference = inference_mode();
        using var pixels = tensor(preprocessor.Apply(image), [1, 3, image.Height, image.Width]);
        using var features = reference(model, pixels);
        return features.data<float>().ToArray();
    }

    private static RgbImage RandomImage(int size, int seed)
    {
        var pixels = new byte[3 * size * size];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(size, size, pixels);
    }
}
