using System.Text;
using System.Text.Json;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Images;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Runtime.Running;
using Lop.Runtime.Variants;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// A LLaVA variant exported by the engine and run by Lop.Runtime through llama.cpp's mtmd: the image
/// goes through the mmproj, and greedy generation starts with the token the engine finds likeliest
/// after the image and a newline (the multimodal sample's caption prompt).
/// </summary>
public sealed class LlavaGenerationTests
{
    [Fact]
    public async Task A_llava_variant_captions_through_mtmd_starting_with_the_engines_likeliest_token()
    {
        using var folder = new TempFolder();
        var config = TinyLlava.Config(VisionConfig.Siglip, vocab: 257) with { IntermediateSizes = [64, 32, 48] };
        using var model = Seeded(TinyLlava.Random(config), seed: 21);
        var modelFolder = TinyLlava.Save(model, folder.Sub("llava"));
        var variant = Directory.CreateDirectory(folder.Sub("variants/tiny")).FullName;
        GgufExportReport report;
        using (var checkpoint = HfCheckpoint.Open(modelFolder))
        {
            report = GgufExporter.Export(checkpoint, Path.Combine(variant, VariantGguf.ModelFile), GgufExportType.F32, SilentProgress.Instance,
                mmprojOutput: Path.Combine(variant, VariantGguf.MmprojFile));
        }
        WriteManifest(variant, config, report);
        var image = folder.Sub("scene.png");
        var pixels = new byte[3 * TinyLlava.ImageSize * TinyLlava.ImageSize];
        new Random(4).NextBytes(pixels);
        ImageFile.WritePng(new RgbImage(TinyLlava.ImageSize, TinyLlava.ImageSize, pixels), image);

        var choice = VariantSelector.Choose(VariantCatalog.Load(folder.Sub("variants")), new VariantRequest { Target = "tiny", ContextLength = 64 });
        using var runtime = await LopModel.LoadAsync(choice);
        var first = await Generate(runtime, image);
        var second = await Generate(runtime, image);

        Assert.Equal(first, second);
        Assert.Equal(EngineNextToken(model, modelFolder, config, image), first[0]);
    }

    /// <summary>
    /// Weights from a generator of this test's own: the process-wide one is shared with tests running in
    /// parallel, and the assertion below needs the same (printable) first token on every run.
    /// </summary>
    private static LlavaModel Seeded(LlavaModel model, long seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.copy_(name.Contains("norm", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal)
                ? rand(parameter.shape, generator: generator) + 0.5
                : randn(parameter.shape, generator: generator) * 0.2);
            if (name.EndsWith("lm_head.weight", StringComparison.Ordinal))
            {
                // Only printable bytes get logits other than 0, so the likeliest token is one that streams
                // as text of its own (a lone byte above 127 streams as U+FFFD).
                parameter[TorchSharp.torch.TensorIndex.Slice(0, 32)].zero_();
                parameter[TorchSharp.torch.TensorIndex.Slice(127, null)].zero_();
            }
        }
        return model;
    }

    private static async Task<byte[]> Generate(LopModel model, string image)
    {
        var text = new StringBuilder();
        await foreach (var piece in model.Generate(image, "", new GenerationOptions { MaxTokens = 4, UseChatTemplate = false }))
        {
            text.Append(piece);
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>The engine's argmax after [image tokens, '\n'], as the byte it stands for.</summary>
    private static byte EngineNextToken(LlavaModel model, string modelFolder, ModelConfig config, string image)
    {
        var preprocessor = ImagePreprocessor.Load(modelFolder, TinyLlava.ImageSize);
        var pixels = new Lop.Core.Calibration.ImagePixels(preprocessor.Apply(ImageFile.Read(image, image, 1)), preprocessor.Height, preprocessor.Width);
        var tokens = Enumerable.Repeat(config.Multimodal!.ImageTokenIndex, config.Multimodal.ImageTokens).Append('\n').ToArray();
        var sequence = new Lop.Core.Calibration.CalibrationSequence(tokens) { Image = pixels };
        using var logits = TinyLlava.Logits(model, [sequence]);
        var next = (int)logits[0, -1].argmax().item<long>();
        Assert.InRange(next, 32, 126);
        return (byte)next;
    }

    private static void WriteManifest(string variant, ModelConfig config, GgufExportReport report)
    {
        var manifest = new
        {
            schema = 1,
            target = "tiny",
            gguf = new
            {
                file = VariantGguf.ModelFile,
                mmproj = VariantGguf.MmprojFile,
                type = report.Type,
                architecture = report.Architecture,
                bytes = report.Bytes + report.MmprojBytes,
                layers = config.NumLayers,
                kvHeads = config.NumKvHeads,
                headDim = config.HeadDim,
                contextLength = config.MaxPositionEmbeddings,
            },
        };
        File.WriteAllText(Path.Combine(variant, Lop.Core.Pruning.VariantManifest.FileName), JsonSerializer.Serialize(manifest));
    }
}
