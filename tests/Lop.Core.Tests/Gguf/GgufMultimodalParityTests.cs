using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Images;
using Lop.Core.Models;
using Lop.Core.Progress;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// A LLaVA model (SigLIP tower, non-uniform decoder widths) exported as a deci GGUF plus an mmproj,
/// scored by llama.cpp with mtmd reading the image files itself, against the engine on the same
/// token ids and images: with the true images and with swapped (wrong) ones.
/// </summary>
public sealed class GgufMultimodalParityTests
{
    [Fact]
    public void A_llava_variant_scores_the_same_under_llama_cpp_with_mtmd_as_in_the_engine_with_true_and_wrong_images()
    {
        using var folder = new TempFolder();
        var config = TinyLlava.Config(VisionConfig.Siglip, vocab: 257) with { IntermediateSizes = [64, 32, 48] };
        // Weights whose wrong-image gap is clearly away from zero: the last assertion is relative to the gap.
        using var model = TinyLlava.Random(config, seed: 8);
        var modelFolder = TinyLlava.Save(model, folder.Sub("llava"));
        var calibration = Calibration(folder, config, modelFolder);
        var output = folder.Sub("model.gguf");
        GgufExportReport report;
        using (var checkpoint = HfCheckpoint.Open(modelFolder))
        {
            report = GgufExporter.Export(checkpoint, output, GgufExportType.F32, SilentProgress.Instance);
        }
        Assert.Equal("deci", report.Architecture);
        Assert.True(File.Exists(report.Mmproj));

        var trueImages = calibration.Search.Concat(calibration.HeldOut).ToArray();
        var wrongImages = ImageSwap.WithWrongImages(trueImages);
        using var scorer = LlamaCppScorer.Open(output, trueImages.Max(s => s.Length), report.Mmproj, config.Multimodal!.ImageTokenIndex);
        var (engineTrue, llamaTrue, counted) = Compare(model, scorer, trueImages);
        var (engineWrong, llamaWrong, _) = Compare(model, scorer, wrongImages);

        // Every caption token but the one right after the image (mtmd gives no logits at image positions).
        Assert.Equal(trueImages.Sum(s => s.TargetCount - 1), counted);
        Assert.InRange(Math.Abs(llamaTrue - engineTrue) / engineTrue, 0, 1e-3);
        Assert.InRange(Math.Abs(llamaWrong - engineWrong) / engineWrong, 0, 1e-3);
        var engineGap = Math.Exp(engineWrong) - Math.Exp(engineTrue);
        var llamaGap = Math.Exp(llamaWrong) - Math.Exp(llamaTrue);
        Assert.NotEqual(0, engineGap, 6);
        Assert.InRange(Math.Abs(llamaGap - engineGap) / Math.Abs(engineGap), 0, 0.02);
    }

    /// <summary>Mean NLL over the targets llama.cpp scored, for both implementations, and how many there were.</summary>
    private static (double Engine, double LlamaCpp, int Counted) Compare(IPrunableModel model, LlamaCppScorer scorer, CalibrationSequence[] sequences)
    {
        var engine = LogLikelihood.PerToken(model, sequences);
        var llamaCpp = scorer.Scores(sequences);
        double engineSum = 0, llamaSum = 0;
        var counted = 0;
        for (var s = 0; s < sequences.Length; s++)
        {
            for (var t = 0; t < engine[s].Length; t++)
            {
                if (!double.IsNaN(llamaCpp[s][t]))
                {
                    Assert.False(double.IsNaN(engine[s][t]), $"llama.cpp scored target {t + 1} of sequence {s}, which the loss mask excludes");
                    engineSum += engine[s][t];
                    llamaSum += llamaCpp[s][t];
                    counted++;
                }
            }
        }
        return (engineSum / counted, llamaSum / counted, counted);
    }

    /// <summary>Eight random images and byte-level captions, read back through the image+text calibration reader.</summary>
    private static CalibrationSet Calibration(TempFolder folder, ModelConfig config, string modelFolder)
    {
        var random = new Random(9);
        var lines = new List<string>();
        Directory.CreateDirectory(folder.Sub("images"));
        for (var i = 0; i < 8; i++)
        {
            var pixels = new byte[3 * TinyLlava.ImageSize * TinyLlava.ImageSize];
            random.NextBytes(pixels);
            ImageFile.WritePng(new RgbImage(TinyLlava.ImageSize, TinyLlava.ImageSize, pixels), folder.Sub($"images/{i}.png"));
            var caption = string.Concat(Enumerable.Range(0, 10).Select(_ => (char)random.Next('a', 'z' + 1)));
            lines.Add($"{{\"image\": \"images/{i}.png\", \"text\": \"ab<image>{caption}\"}}");
        }
        var path = folder.Sub("calibration.jsonl");
        File.WriteAllLines(path, lines);
        var preprocessor = ImagePreprocessor.Load(modelFolder, TinyLlava.ImageSize);
        var settings = new ImageTextCalibration.ImageSettings(config.Multimodal!.ImageTokenIndex, config.Multimodal.ImageTokens, preprocessor);
        return ImageTextCalibration.Load(path, ByteTokenizer.Instance, settings, 64, heldOutFraction: 0.25, vocabSize: config.VocabSize);
    }
}
