using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Search;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Search;

/// <summary>The cheap stage's score: KL(dense || narrowed) at the scored targets, as computed by hand in float64.</summary>
public class DenseDivergenceTests
{
    private const double Budget = 0.5;

    [Fact]
    public void The_divergence_is_the_hand_computed_kl_at_the_strided_targets_the_loss_mask_keeps_and_zero_at_full_width()
    {
        var (model, sampled) = MctsSearchTests.Setup();
        // Two lengths (two batches), and a loss mask that drops targets 3 and 11 of one sequence.
        var mask = Enumerable.Range(0, 16).Select(t => t is not (4 or 12)).ToArray();
        var sequences = new[]
        {
            sampled[0] with { LossMask = mask },
            sampled[1],
            new CalibrationSequence(sampled[2].Tokens[..13]),
        };
        var kept = Enumerable.Range(0, MctsSearchTests.Config.NumLayers).Select(i => 12 + 4 * i).ToArray();
        var dense = HandLogProbabilities(model, sequences);

        using var divergence = DenseDivergence.Capture(model, sequences, batchSize: 2, tokenStride: 4);
        var atFullWidth = divergence.Mean(model);
        double measured;
        double[][][] narrowed;
        using (model.Prefix.Narrow(kept))
        {
            measured = divergence.Mean(model);
            narrowed = HandLogProbabilities(model, sequences);
        }

        // Stride 4 scores targets 3, 7, 11 of the 16-token sequences (the mask drops 3 and 11 of the first) and 3, 7, 11 of the 13-token one (12 targets).
        var scored = new[] { new[] { 7 }, new[] { 3, 7, 11 }, new[] { 3, 7, 11 } };
        Assert.Equal(7, divergence.Targets);
        var total = 0.0;
        for (var s = 0; s < sequences.Length; s++)
        {
            foreach (var t in scored[s])
            {
                total += dense[s][t].Zip(narrowed[s][t], (p, q) => Math.Exp(p) * (p - q)).Sum();
            }
        }
        Assert.Equal(total / 7, measured, 5);
        Assert.True(measured > 1e-4, $"narrowing to half the neurons moved the distributions by only {measured}");
        Assert.Equal(0, atFullWidth, 6);
    }

    [Fact]
    public void A_staged_search_promotes_by_the_divergence_and_records_the_full_reward()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        var uniform = MctsSearchTests.Uniform(Budget);
        var skewed = MctsSearchTests.Skewed(Budget, 0.2);

        using var evaluator = new CandidateEvaluator(model, sequences, batchSize: 3, Budget, staged: new StagedFidelity(Sequences: 2, PromoteTop: 2));
        var first = evaluator.Evaluate(uniform, simulation: 0, default);
        var second = evaluator.Evaluate(skewed, simulation: 1, default);

        foreach (var (allocation, scored) in new[] { (uniform, first), (skewed, second) })
        {
            using var hand = DenseDivergence.Capture(model, sequences.Take(2).ToArray(), batchSize: 1, tokenStride: 1);
            using var narrowed = model.Prefix.Narrow(allocation.Kept);
            Assert.Equal(-hand.Mean(model), scored.Score, 6);
            // Both are among the 2 best cheap scores so far, so both carry the NLL over all 8 sequences as their record.
            Assert.Equal(HandNll.Mean(t => model.forward(t), sequences.Select(s => s.Tokens)), -scored.Record!.Reward, 1e-4);
        }
    }

    /// <summary>Log-softmax of every position's logits, per sequence, in float64, one sequence at a time.</summary>
    private static double[][][] HandLogProbabilities(CausalLm model, IEnumerable<CalibrationSequence> sequences)
    {
        using var inference = inference_mode();
        return sequences.Select(sequence =>
        {
            using var scope = NewDisposeScope();
            var ids = tensor(sequence.Tokens.Select(t => (long)t).ToArray(), [1, sequence.Length]);
            var logProbabilities = model.forward(ids)[0].to_type(ScalarType.Float64).log_softmax(-1);
            return Enumerable.Range(0, sequence.Length).Select(t => logProbabilities[t].data<double>().ToArray()).ToArray();
        }).ToArray();
    }
}
