using Lop.Core.Tests.Pruning;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Loading;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Xunit;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

/// <summary>
/// Vision-tower FFN pruning of Qwen2-VL (fc1/fc2) and Qwen2.5-VL (gate/up/down): the written variant is
/// checked against the source model narrowed in memory by its prefix view, an independent path.
/// </summary>
public class QwenVisionPruningTests
{
    private const int VisionWidth = 10;

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void A_vision_pruned_qwen_variant_gives_exactly_the_logits_of_the_source_narrowed_to_the_kept_vision_neurons(bool windowed, bool newNames)
    {
        using var temp = new TempFolder();
        var config = TinyQwenVl.Config(windowed, visionWidth: VisionWidth);
        using var model = TinyQwenVl.Random(config);
        var source = TinyQwenVl.Save(model, temp.Sub("source"), newNames ? CheckpointLayout.QwenVl : CheckpointLayout.QwenVlLegacy);
        using var checkpoint = HfCheckpoint.Open(source);
        var sequences = TinyQwenVl.Sequences(config, 4);
        var scores = VisionImportance.Score(model, sequences, batchSize: 3);
        // floor(0.65 x 10) = 6 kept in each block.
        var plan = PruningPlan.Create(TestCheckpoints.Importance(model.LanguageModel, config.VocabSize), [0, 0, 0]).WithVision(scores, 0.35);

        TestVariants.Write(checkpoint, plan, source, temp.Sub("variant"));

        using var variant = HfCheckpoint.Open(temp.Sub("variant"));
        var (inputs, output) = windowed ? ((string[])["gate_proj", "up_proj"], "down_proj") : (["fc1"], "fc2");
        for (var block = 0; block < 2; block++)
        {
            var prefix = $"{(newNames ? "model." : "")}visual.blocks.{block}.mlp.";
            foreach (var input in inputs)
            {
                Assert.Equal([6L, 8], variant.Get($"{prefix}{input}.weight").Info.Shape);
                Assert.Equal([6L], variant.Get($"{prefix}{input}.bias").Info.Shape);
            }
            Assert.Equal([8L, 6], variant.Get($"{prefix}{output}.weight").Info.Shape);
            Assert.Equal([8L], variant.Get($"{prefix}{output}.bias").Info.Shape);
        }
        Assert.Equal([6, 6], variant.Config.QwenVision!.IntermediateSizes);
        Assert.Equal(6, variant.RawConfig["vision_config"]!["intermediate_size"]!.GetValue<int>());
        if (!windowed)
        {
            // transformers sizes Qwen2-VL's vision MLP as int(embed_dim x mlp_ratio).
            Assert.Equal(6, (int)(8 * variant.RawConfig["vision_config"]!["mlp_ratio"]!.GetValue<double>()));
        }

        using var pruned = (QwenVlModel)CheckpointLoader.LoadPrunable(variant);
        Assert.Equal([6L, 6], pruned.Prefix.VisionWidths);
        using var dense = TinyLlava.Logits(model, sequences);
        model.Prefix.UseVisionOrder(plan.VisionKeptNeurons!
            .Select(kept => (IReadOnlyList<int>)kept.Concat(Enumerable.Range(0, VisionWidth).Except(kept)).ToArray()).ToArray());
        Tensor narrowed;
        using (model.Prefix.NarrowVision(plan.VisionKeptNeurons!.Select(k => k.Length).ToArray()))
        {
            narrowed = TinyLlava.Logits(model, sequences);
        }
        using var fromFile = TinyLlava.Logits(pruned, sequences);

        Assert.True(narrowed.eq(fromFile).all().item<bool>());
        // The removed neurons mattered, so the equality above could fail.
        Assert.False(dense.allclose(fromFile, rtol: 1e-4, atol: 1e-5));
        narrowed.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Qwen_vision_scores_follow_the_checkpoint_order_whatever_order_the_tower_is_in(bool windowed)
    {
        var config = TinyQwenVl.Config(windowed, visionWidth: VisionWidth);
        using var model = TinyQwenVl.Random(config);
        var sequences = TinyQwenVl.Sequences(config, 3);
        var scores = VisionImportance.Score(model, sequences, batchSize: 2);
        var random = new Random(5);
        var order = Enumerable.Range(0, 2).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, VisionWidth).OrderBy(_ => random.Next()).ToArray()).ToArray();
        Assert.True(model.Prefix.UseVisionOrder(order));

        var again = VisionImportance.Score(model, sequences, batchSize: 2);

        Assert.Equal(2, scores.Length);
        Assert.All(scores, layer => Assert.Equal(VisionWidth, layer.Length));
        Assert.All(scores, layer => Assert.All(layer, s => Assert.True(s > 0)));
        for (var l = 0; l < 2; l++)
        {
            Assert.Equal(Enumerable.Range(0, VisionWidth), model.Prefix.VisionOrder(l));
            for (var i = 0; i < VisionWidth; i++)
            {
                Assert.Equal(scores[l][i], again[l][i], 1e-6 * scores[l][i]);
            }
        }
    }

    [Theory]
    [InlineData(0.0, 10)]
    [InlineData(0.35, 6)]
    [InlineData(0.5, 5)]
    [InlineData(0.95, 1)]
    public void Each_qwen_vision_block_keeps_exactly_its_uniform_share_of_its_highest_scoring_neurons(double ratio, int kept)
    {
        var config = TinyQwenVl.Config(visionWidth: VisionWidth);
        using var model = TinyQwenVl.Random(config);
        var scores = VisionImportance.Score(model, TinyQwenVl.Sequences(config, 3), batchSize: 4);

        var plan = PruningPlan.Create(TestCheckpoints.Importance(model.LanguageModel, config.VocabSize), [0, 0, 0]).WithVision(scores, ratio);

        Assert.Equal(ratio, plan.VisionRatio);
        for (var l = 0; l < 2; l++)
        {
            var keep = plan.VisionKeptNeurons![l];
            Assert.Equal(kept, keep.Length);
            Assert.Equal(keep.Order(), keep);
            var removed = Enumerable.Range(0, VisionWidth).Except(keep).ToArray();
            if (removed.Length > 0)
            {
                Assert.True(keep.Min(i => scores[l][i]) >= removed.Max(i => scores[l][i]));
            }
        }
    }

    [Fact]
    public void Narrowing_the_vision_tower_checks_its_counts_and_allows_one_scope_at_a_time()
    {
        var config = TinyQwenVl.Config(visionWidth: VisionWidth);
        using var model = TinyQwenVl.Random(config);

        Assert.Throws<ArgumentException>(() => model.Prefix.NarrowVision([3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Prefix.NarrowVision([3, VisionWidth + 1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Prefix.NarrowVision([0, 3]));
        using (model.Prefix.NarrowVision([3, 4]))
        {
            Assert.Equal([3, 4], model.Prefix.VisionNarrowed);
            Assert.Throws<InvalidOperationException>(() => model.Prefix.NarrowVision([3, 4]));
            Assert.Throws<InvalidOperationException>(() => model.Prefix.UseVisionOrder(
                [Enumerable.Range(0, VisionWidth).Reverse().ToArray(), Enumerable.Range(0, VisionWidth).ToArray()]));
        }
        Assert.Null(model.Prefix.VisionNarrowed);
    }
}
