using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Xunit;

namespace Lop.Core.Tests.Multimodal;

public class MultimodalGapTests
{
    [Fact]
    public void Per_sequence_losses_keep_the_input_order_across_lengths_and_sum_to_the_total()
    {
        var config = TinyLlava.Config();
        using var model = TinyLlava.Random(config);
        var mixed = TinyLlava.Sequences(config, 3, after: 4).Concat(TinyLlava.Sequences(config, 2, after: 7, seed: 5))
            .Concat(TinyLlava.Sequences(config, 2, after: 4, seed: 9)).ToArray();

        var perSequence = LogLikelihood.PerSequence(model, mixed, batchSize: 2);
        var total = LogLikelihood.Evaluate(model, mixed, batchSize: 3);

        Assert.Equal(total.TotalNll, perSequence.Sum(), 3);
        Assert.Equal(mixed.Sum(s => (long)s.TargetCount), total.PredictedTokens);
        for (var i = 0; i < mixed.Length; i++)
        {
            Assert.Equal(LogLikelihood.Evaluate(model, [mixed[i]], batchSize: 1).TotalNll, perSequence[i], 3);
        }
    }

    [Fact]
    public void Wrong_images_are_other_records_images_and_the_gap_is_their_perplexity_difference()
    {
        var config = TinyLlava.Config();
        using var model = TinyLlava.Random(config);
        var sequences = TinyLlava.Sequences(config, 5);

        var wrong = ImageSwap.WithWrongImages(sequences);
        Assert.All(wrong.Zip(sequences), p => Assert.NotSame(p.Second.Image, p.First.Image));
        Assert.All(wrong.Zip(sequences), p => Assert.Equal(p.Second.Tokens, p.First.Tokens));
        Assert.Equal(sequences.Select(s => s.Image!.Source).Order(), wrong.Select(s => s.Image!.Source).Order());

        var gap = MultimodalGap.Measure(model, sequences, batchSize: 2);
        Assert.Equal(LogLikelihood.Evaluate(model, sequences, 2).Perplexity, gap.TrueImagePerplexity, 6);
        Assert.Equal(LogLikelihood.Evaluate(model, wrong, 2).Perplexity, gap.WrongImagePerplexity, 6);
        // The share of records likelier with their own image, counted here one record at a time.
        var ownImageWins = sequences.Zip(wrong).Count(p =>
            LogLikelihood.Evaluate(model, [p.First], 1).TotalNll < LogLikelihood.Evaluate(model, [p.Second], 1).TotalNll);
        Assert.Equal(ownImageWins / (double)sequences.Length, gap.ImageAccuracy, 9);
    }

    [Fact]
    public void An_image_gap_weight_adds_the_wrong_image_loss_difference_to_the_search_reward()
    {
        var config = TinyLlava.Config();
        using var model = TinyLlava.Random(config);
        var sequences = TinyLlava.Sequences(config, 4);
        var widths = config.IntermediateSizes;
        var allocation = Lop.Core.Allocation.BudgetProjection.Project([0.5, 0.5, 0.5], widths, 0.5, 0, 0.9);

        var plain = new Lop.Core.Search.CandidateEvaluator(model, sequences, 2, 0.5).Evaluate(allocation, 0, default).Record!;
        var weighted = new Lop.Core.Search.CandidateEvaluator(model, sequences, 2, 0.5, imageGapWeight: 2).Evaluate(allocation, 0, default).Record!;

        double truth, wrong;
        using (model.Prefix.Narrow(allocation.Kept))
        {
            truth = LogLikelihood.Evaluate(model, sequences, 2).MeanNll;
            wrong = LogLikelihood.Evaluate(model, ImageSwap.WithWrongImages(sequences), 2).MeanNll;
        }
        Assert.Equal(-truth, plain.Reward, 6);
        Assert.Equal(-truth + 2 * (wrong - truth), weighted.Reward, 6);
        Assert.Equal(plain.Perplexity, weighted.Perplexity);
    }
}
