using Lop.Core.Tests.Pruning;
using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Xunit;
using Lop.Core.Loading;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

public class LlavaCheckpointTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_saved_llava_folder_loads_back_with_the_same_outputs_in_either_naming(bool newNames)
    {
        using var temp = new TempFolder();
        var config = TinyLlava.Config();
        using var model = TinyLlava.Random(config);
        TinyLlava.Save(model, temp.Path, newNames ? CheckpointLayout.Llava : null);

        using var checkpoint = HfCheckpoint.Open(temp.Path);
        Assert.Equal(newNames ? CheckpointLayout.Llava : CheckpointLayout.LlavaLegacy, checkpoint.Config.Layout);
        Assert.Equal(newNames ? "model.language_model." : "language_model.model.", checkpoint.Config.DecoderPrefix);
        Assert.Contains(newNames ? "model.vision_tower.vision_model.embeddings.class_embedding" : "vision_tower.vision_model.embeddings.class_embedding",
            checkpoint.TensorNames);
        using var loaded = CheckpointLoader.LoadPrunable(checkpoint);
        Assert.IsType<LlavaModel>(loaded);

        var sequences = TinyLlava.Sequences(config, 3);
        Assert.True(TinyLlava.Logits(model, sequences).eq(TinyLlava.Logits(loaded, sequences)).all().item<bool>());
    }

    [Fact]
    public void Image_features_replace_exactly_the_image_token_positions_of_their_own_row()
    {
        var config = TinyLlava.Config();
        using var model = TinyLlava.Random(config);
        var sequences = TinyLlava.Sequences(config, 2, before: 3, after: 4);
        using var inference = inference_mode();

        var batch = Lop.Core.Models.SequenceBatch.Create(sequences, 0, 2);
        var logits = model.Logits(batch);

        // By hand: embed the tokens, overwrite positions 3..6 of row r with image r's features.
        var embeddings = model.LanguageModel.EmbedTokens(batch.Tokens).clone();
        var features = model.ImageFeatures(batch.Images!);
        Assert.Equal([2L, 4, config.HiddenSize], features.shape);
        for (var r = 0; r < 2; r++)
        {
            embeddings[r].narrow(0, 3, 4).copy_(features[r]);
        }
        var expected = model.LanguageModel.ForwardEmbeddings(embeddings);
        Assert.True(logits.allclose(expected, rtol: 1e-5, atol: 1e-6));

        // Causal: swapping the images changes nothing before the image, everything after it.
        var swapped = model.Logits(batch with { Images = batch.Images!.flip(0) });
        Assert.True(swapped.narrow(1, 0, 3).eq(logits.narrow(1, 0, 3)).all().item<bool>());
        Assert.False(swapped.narrow(1, 7, 4).allclose(logits.narrow(1, 7, 4)));
    }

    [Theory]
    [InlineData(VisionConfig.Clip, -2, "default", 4, 1)]
    [InlineData(VisionConfig.Clip, -1, "full", 5, 2)]
    [InlineData(VisionConfig.Siglip, -2, "default", 4, 1)]
    public void Image_token_count_and_layers_used_follow_the_config(string type, int layer, string strategy, int tokens, int layersUsed)
    {
        var config = TinyLlava.Config(type, layer, strategy);
        Assert.Equal(tokens, config.Multimodal!.ImageTokens);
        Assert.Equal(layersUsed, config.Multimodal.LayersUsed);
        using var model = TinyLlava.Random(config);
        var sequences = TinyLlava.Sequences(config, 2);
        Assert.Equal([2L, sequences[0].Length, 61], TinyLlava.Logits(model, sequences).shape);
    }

    [Fact]
    public void Hugging_face_defaults_fill_a_sparse_llava_1_5_style_config()
    {
        var json = JsonNode.Parse("""
            {"architectures": ["LlavaForConditionalGeneration"], "image_token_index": 32000, "projector_hidden_act": "gelu",
             "text_config": {"model_type": "llama", "vocab_size": 32064, "max_position_embeddings": 4096, "rms_norm_eps": 1e-05},
             "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096, "model_type": "clip_vision_model",
                               "num_attention_heads": 16, "num_hidden_layers": 24, "patch_size": 14},
             "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "torch_dtype": "float16"}
            """)!.AsObject();
        var config = ModelConfigReader.Read(json, "config.json");
        Assert.Equal(4096, config.HiddenSize);
        Assert.Equal(11008, config.IntermediateSizes[0]);
        Assert.Equal(32, config.NumLayers);
        Assert.Equal(32064, config.VocabSize);
        Assert.Equal("float16", config.TorchDType);
        Assert.Equal(576, config.Multimodal!.ImageTokens);
        Assert.Equal(23, config.Multimodal.LayersUsed);
        // Widths are written where transformers reads them: text_config.
        var pruned = ModelConfigReader.WithWidths(json, Enumerable.Repeat(5504, 32).ToArray());
        Assert.Equal(5504, pruned["text_config"]!["intermediate_size"]!.GetValue<int>());
        Assert.Null(pruned["intermediate_size"]);
    }

    [Fact]
    public void An_image_token_outside_the_vocabulary_is_a_coded_config_error()
    {
        var json = JsonNode.Parse("""
            {"architectures": ["LlavaForConditionalGeneration"], "image_token_index": 32000,
             "text_config": {"model_type": "llama", "vocab_size": 32000}, "vision_config": {}}
            """)!.AsObject();
        var error = Assert.Throws<LopException>(() => ModelConfigReader.Read(json, "/m/config.json"));
        Assert.Equal(ErrorCodes.ConfigFieldInvalid, error.Code);
        Assert.Contains("image_token_index 32000", error.Message);
        Assert.Equal("/m/config.json", error.File);
    }

    [Fact]
    public void A_missing_or_misshapen_vision_tensor_is_named()
    {
        using var temp = new TempFolder();
        var config = TinyLlava.Config();
        using (var model = TinyLlava.Random(config))
        {
            TinyLlava.Save(model, temp.Path);
        }
        var path = Path.Combine(temp.Path, "config.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["vision_config"]!["intermediate_size"] = 32;
        File.WriteAllText(path, json.ToJsonString());
        using (var checkpoint = HfCheckpoint.Open(temp.Path))
        {
            var error = Assert.Throws<LopException>(checkpoint.ValidateAgainstConfig);
            Assert.Equal(ErrorCodes.ShapeMismatch, error.Code);
            Assert.Contains("vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight", error.Message);
        }
        json["vision_config"]!["intermediate_size"] = 24;
        json["vision_config"]!["num_hidden_layers"] = 3;
        File.WriteAllText(path, json.ToJsonString());
        using (var checkpoint = HfCheckpoint.Open(temp.Path))
        {
            var error = Assert.Throws<LopException>(checkpoint.ValidateAgainstConfig);
            Assert.Equal(ErrorCodes.MissingTensor, error.Code);
            Assert.Contains("vision_tower.vision_model.encoder.layers.2.", error.Message);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_pruned_llava_variant_keeps_tower_and_projector_bytes_and_matches_the_prefix_view(bool newNames)
    {
        using var temp = new TempFolder();
        var config = TinyLlava.Config();
        using var model = TinyLlava.Random(config);
        var source = TinyLlava.Save(model, temp.Sub("source"), newNames ? CheckpointLayout.Llava : null);
        using var checkpoint = HfCheckpoint.Open(source);
        var sequences = TinyLlava.Sequences(config, 4);
        var scores = ImportanceScorer.Score(model, sequences, batchSize: 2);
        var plan = PruningPlan.Create(scores, [0.5, 0.25, 0.75]);

        TestVariants.Write(checkpoint, plan, source, temp.Sub("variant"));

        using var variant = HfCheckpoint.Open(temp.Sub("variant"));
        var visionAndProjector = checkpoint.TensorNames.Where(n => n.Contains("vision_tower.", StringComparison.Ordinal) || n.Contains("multi_modal_projector.", StringComparison.Ordinal)).ToList();
        Assert.Equal(config.Multimodal!.RequiredTensors(config.HiddenSize).Count(), visionAndProjector.Count);
        foreach (var name in visionAndProjector)
        {
            var (a, ai) = checkpoint.Get(name);
            var (b, bi) = variant.Get(name);
            Assert.True(a.Span(ai, 0, (int)ai.ByteLength).SequenceEqual(b.Span(bi, 0, (int)bi.ByteLength)), name);
        }
        Assert.Equal([24, 36, 12], variant.Config.IntermediateSizes);
        Assert.NotNull(variant.RawConfig["text_config"]!["intermediate_size"]);

        using var pruned = CheckpointLoader.LoadPrunable(variant);
        var evaluator = new PrefixEvaluator(model, scores);
        evaluator.UseMethod(ImportanceMethod.Activation);
        var prefix = evaluator.Evaluate(plan.KeptCounts, sequences, batchSize: 2).Perplexity;
        var written = Evaluation.LogLikelihood.Evaluate(pruned, sequences, batchSize: 2).Perplexity;
        Assert.Equal(prefix, written, prefix * 1e-5);
    }
}
