using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Loading;
using static TorchSharp.torch;

namespace Lop.Core.Tests;

/// <summary>Small random LLaVA models for tests: a 2-layer CLIP-style tower on 16x16 images (4 patches + class token).</summary>
internal static class TinyLlava
{
    public const int ImageSize = 16;

    /// <summary>The image token is the last id of the vocabulary.</summary>
    public static ModelConfig Config(string visionType = VisionConfig.Clip, int featureLayer = -2, string strategy = "default", int vocab = 61) =>
        TinyModels.Config(vocab: vocab) with
        {
            Architecture = "LlavaForConditionalGeneration",
            Multimodal = new MultimodalConfig
            {
                ImageTokenIndex = vocab - 1,
                VisionFeatureLayer = featureLayer,
                SelectStrategy = strategy,
                Vision = new VisionConfig
                {
                    ModelType = visionType,
                    HiddenSize = 16,
                    IntermediateSizes = [24, 24],
                    NumLayers = 2,
                    NumHeads = 2,
                    ImageSize = ImageSize,
                    PatchSize = 8,
                    HiddenAct = visionType == VisionConfig.Clip ? "quick_gelu" : "gelu_pytorch_tanh",
                },
            },
            Layout = CheckpointLayout.LlavaLegacy,
        };

    public static LlavaModel Random(ModelConfig config, long seed = 7)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        return TinyMultimodalWeights.Randomise(new LlavaModel(config), seed);
    }

    public static string Save(LlavaModel model, string folder, CheckpointLayout? layout = null)
    {
        CheckpointSaver.Save(model, folder, layout);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\"tokenizer_class\": \"LopByteTokenizer\"}");
        return folder;
    }

    /// <summary>Random image+text sequences: text, the image tokens, more text; loss on the text only.</summary>
    public static CalibrationSequence[] Sequences(ModelConfig config, int count, int before = 2, int after = 6, long seed = 11)
    {
        var imageTokens = config.Multimodal!.ImageTokens;
        var imageToken = config.Multimodal.ImageTokenIndex;
        Lop.Native.TorchRuntime.EnsureLoaded();
        using var generator = new Generator(unchecked((ulong)seed));
        var result = new CalibrationSequence[count];
        for (var i = 0; i < count; i++)
        {
            var text = randint(0, imageToken, [before + after], dtype: ScalarType.Int64, generator: generator).data<long>().Select(v => (int)v).ToArray();
            var tokens = text.Take(before).Concat(Enumerable.Repeat(imageToken, imageTokens)).Concat(text.Skip(before)).ToArray();
            var mask = tokens.Select((t, p) => p > 0 && t != imageToken).ToArray();
            var pixels = randn([3, ImageSize, ImageSize], generator: generator).data<float>().ToArray();
            result[i] = new CalibrationSequence(tokens) { Image = new ImagePixels(pixels, ImageSize, ImageSize) { Source = $"img{i}" }, LossMask = mask };
        }
        return result;
    }

    public static Tensor Logits(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences)
    {
        using var inference = inference_mode();
        return model.Logits(SequenceBatch.Create(sequences, 0, sequences.Count));
    }
}
