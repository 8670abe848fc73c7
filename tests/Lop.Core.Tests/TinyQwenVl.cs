using Lop.Core.Calibration;
using Lop.Core.Loading;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Tests;

/// <summary>
/// Small random Qwen2-VL / Qwen2.5-VL models for tests: the tiny Qwen2 decoder (head dimension 8,
/// mrope_section [1, 1, 2]) and a 2-block tower of width 8 on 8 x 12 images (patch 2, merge 2: a 4 x 6
/// patch grid, 2 x 3 = 6 image tokens; windows of 2 x 2 merged tokens, the second block full attention).
/// </summary>
internal static class TinyQwenVl
{
    public const int ImageHeight = 8;
    public const int ImageWidth = 12;
    public const int ImageTokens = 6;

    /// <summary>The image token is the last id of the vocabulary, vision start and end the two before.</summary>
    /// <param name="visionWidth">every tower block's MLP width</param>
    public static ModelConfig Config(bool windowed = true, int vocab = 64, int visionWidth = 6) =>
        TinyModels.Config(attentionBias: true, tied: true, vocab: vocab) with
        {
            Architecture = windowed ? MultimodalConfigReader.Qwen25Vl : MultimodalConfigReader.Qwen2Vl,
            Layout = CheckpointLayout.QwenVlLegacy,
            QwenVision = new QwenVisionConfig
            {
                Windowed = windowed,
                Depth = 2,
                Width = 8,
                IntermediateSizes = [visionWidth, visionWidth],
                NumHeads = 2,
                OutHiddenSize = 32,
                PatchSize = 2,
                MergeSize = 2,
                TemporalPatchSize = 2,
                WindowSize = 8,
                FullAttentionBlocks = windowed ? [1] : [],
                HiddenAct = windowed ? "silu" : "quick_gelu",
                ImageTokenId = vocab - 1,
                VisionStartTokenId = vocab - 2,
                VisionEndTokenId = vocab - 3,
                MropeSection = [1, 1, 2],
            },
        };

    public static QwenVlModel Random(ModelConfig config, long seed = 7)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        return TinyMultimodalWeights.Randomise(new QwenVlModel(config), seed);
    }

    public static string Save(QwenVlModel model, string folder, CheckpointLayout? layout = null)
    {
        CheckpointSaver.Save(model, folder, layout);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\"tokenizer_class\": \"LopByteTokenizer\"}");
        // The tower's patch 2 and merge 2 (resized sides multiples of 4), and pixel limits that keep 8 x 12 images as they are.
        File.WriteAllText(Path.Combine(folder, "preprocessor_config.json"),
            """{"image_processor_type": "Qwen2VLImageProcessor", "patch_size": 2, "merge_size": 2, "temporal_patch_size": 2, "min_pixels": 16, "max_pixels": 4096}""");
        return folder;
    }

    /// <summary>Random sequences: text, vision start, the image tokens, more text; loss on the text after the image.</summary>
    public static CalibrationSequence[] Sequences(ModelConfig config, int count, int before = 2, int after = 6, long seed = 11)
    {
        var vision = config.QwenVision!;
        Lop.Native.TorchRuntime.EnsureLoaded();
        using var generator = new Generator(unchecked((ulong)seed));
        var result = new CalibrationSequence[count];
        for (var i = 0; i < count; i++)
        {
            var text = randint(0, vision.VisionEndTokenId, [before + after], dtype: ScalarType.Int64, generator: generator).data<long>().Select(v => (int)v).ToArray();
            var tokens = text.Take(before).Append(vision.VisionStartTokenId).Concat(Enumerable.Repeat(vision.ImageTokenId, ImageTokens)).Concat(text.Skip(before)).ToArray();
            var mask = tokens.Select((t, p) => p > before + ImageTokens).ToArray();
            var pixels = randn([3, ImageHeight, ImageWidth], generator: generator).data<float>().ToArray();
            result[i] = new CalibrationSequence(tokens) { Image = new ImagePixels(pixels, ImageHeight, ImageWidth) { Source = $"img{i}" }, LossMask = mask };
        }
        return result;
    }
}
