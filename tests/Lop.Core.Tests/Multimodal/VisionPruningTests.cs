using Lop.Core.Tests.Pruning;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Xunit;
using Lop.Core.Loading;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

/// <summary>The optional vision-tower FFN pruning: narrower fc1/fc2 in the variant, equal to the source with those neurons silenced.</summary>
public class VisionPruningTests
{
    [Fact]
    public void A_vision_pruned_variant_equals_the_source_with_the_removed_vision_neurons_silenced()
    {
        using var temp = new TempFolder();
        var config = TinyLlava.Config(featureLayer: -1);
        using var model = TinyLlava.Random(config);
        var source = TinyLlava.Save(model, temp.Sub("source"));
        using var checkpoint = HfCheckpoint.Open(source);
        var sequences = TinyLlava.Sequences(config, 4);
        var visionScores = VisionImportance.Score(model, sequences, batchSize: 3);
        Assert.All(visionScores, layer => Assert.Equal(24, layer.Length));
        Assert.All(visionScores, layer => Assert.Contains(layer, s => s > 0));
        var plan = PruningPlan.Create(ImportanceScorer.Score(model, sequences, batchSize: 2), [0, 0, 0]).WithVision(visionScores, 0.5);

        TestVariants.Write(checkpoint, plan, source, temp.Sub("variant"));

        using var variant = HfCheckpoint.Open(temp.Sub("variant"));
        Assert.Equal([12, 12], variant.Config.Multimodal!.Vision.IntermediateSizes);
        Assert.Equal([12L, 16], variant.Get("vision_tower.vision_model.encoder.layers.1.mlp.fc1.weight").Info.Shape);
        Assert.Equal([16L, 12], variant.Get("vision_tower.vision_model.encoder.layers.1.mlp.fc2.weight").Info.Shape);
        Assert.Equal([12L], variant.Get("vision_tower.vision_model.encoder.layers.0.mlp.fc1.bias").Info.Shape);

        using var pruned = CheckpointLoader.LoadPrunable(variant);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (name.Contains(".mlp.fc1.", StringComparison.Ordinal))
                {
                    var layer = int.Parse(name.Split('.')[4], System.Globalization.CultureInfo.InvariantCulture);
                    var removed = Enumerable.Range(0, 24).Except(plan.VisionKeptNeurons![layer]).Select(i => (long)i).ToArray();
                    parameter.index_fill_(0, tensor(removed), 0);
                }
            }
        }
        Assert.True(TinyLlava.Logits(model, sequences).allclose(TinyLlava.Logits(pruned, sequences), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void A_vision_pruned_llava_variant_gives_exactly_the_logits_of_the_source_narrowed_to_the_kept_vision_neurons()
    {
        using var temp = new TempFolder();
        var config = TinyLlava.Config(featureLayer: -1);
        using var model = TinyLlava.Random(config);
        var source = TinyLlava.Save(model, temp.Sub("source"));
        using var checkpoint = HfCheckpoint.Open(source);
        var sequences = TinyLlava.Sequences(config, 4);
        var plan = PruningPlan.Create(ImportanceScorer.Score(model, sequences, batchSize: 2), [0, 0, 0])
            .WithVision(VisionImportance.Score(model, sequences, batchSize: 3), 0.3);
        TestVariants.Write(checkpoint, plan, source, temp.Sub("variant"));
        using var variant = HfCheckpoint.Open(temp.Sub("variant"));
        using var pruned = CheckpointLoader.LoadPrunable(variant);
        // floor(0.7 x 24) = 16 kept per layer.
        Assert.Equal([16L, 16], pruned.Prefix.VisionWidths);

        model.Prefix.UseVisionOrder(plan.VisionKeptNeurons!
            .Select(kept => (IReadOnlyList<int>)kept.Concat(Enumerable.Range(0, 24).Except(kept)).ToArray()).ToArray());
        using var narrowing = model.Prefix.NarrowVision([16, 16]);

        Assert.True(TinyLlava.Logits(model, sequences).eq(TinyLlava.Logits(pruned, sequences)).all().item<bool>());
    }
}
