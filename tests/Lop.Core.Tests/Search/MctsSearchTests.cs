using Lop.Core.Calibration;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Search;
using Lop.Core.Allocation;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Search;

public class MctsSearchTests
{
    private const double Budget = 0.5;
    internal static readonly ModelConfig Config = TinyModels.Config(layers: 4, hidden: 32, intermediate: 48);

    [Fact]
    public void The_same_seed_gives_the_same_records_and_another_seed_other_ones()
    {
        var (model, sequences) = Setup();
        var settings = new SearchSettings { Simulations = 12 };

        var first = MctsSearch.Run(model, sequences, Budget, settings);
        var again = MctsSearch.Run(model, sequences, Budget, settings);
        var other = MctsSearch.Run(model, sequences, Budget, settings with { Seed = 99 });

        Assert.Equal(Describe(first), Describe(again));
        Assert.NotEqual(Describe(first), Describe(other));
    }

    [Fact]
    public void Every_record_meets_the_budget_exactly_within_the_bounds_and_is_evaluated_once()
    {
        var (model, sequences) = Setup();
        var settings = new SearchSettings { Simulations = 20, UpperBound = 0.8 };

        var result = MctsSearch.Run(model, sequences, 0.3, settings);

        var target = BudgetProjection.TargetKept(Widths(), 0.3);
        Assert.All(result.Records, record =>
        {
            Assert.Equal(target, record.Kept.Sum());
            Assert.All(record.Kept, k => Assert.InRange(k, 10, 48)); // ceil(0.2 x 48) = 10
            Assert.Equal(record.Kept.Select(k => 1.0 - k / 48.0), record.Ratios);
            Assert.Equal(Math.Exp(-record.Reward), record.Perplexity, 9);
        });
        Assert.Equal(result.Records.Count, result.Records.Select(r => string.Join(',', r.Kept)).Distinct().Count());
        Assert.Equal(result.Records.Count, result.Evaluations);
        Assert.Equal(0, result.Records[0].Simulation);
        Assert.True(result.Records.Count > 5, $"only {result.Records.Count} distinct configurations in 20 simulations");
    }

    [Fact]
    public void The_root_is_uniform_and_the_root_and_best_rewards_are_the_hand_computed_nll_of_their_configurations()
    {
        var (model, sequences) = Setup();

        var result = MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 12 });

        Assert.Equal([24, 24, 24, 24], result.Records[0].Kept);
        Assert.Equal(result.Records.Max(r => r.Reward), result.Best.Reward);
        // Re-scored outside the search: the model narrowed to each configuration, the NLL computed by hand.
        // "best >= root" alone holds whatever the rewards are, since the root is one of the records.
        foreach (var record in new[] { result.Records[0], result.Best })
        {
            double expected;
            using (model.Prefix.Narrow(record.Kept))
            {
                expected = HandNll.Mean(t => model.forward(t), sequences.Select(s => s.Tokens));
            }
            Assert.Equal(expected, -record.Reward, 1e-4);
            Assert.Equal(Math.Exp(expected), record.Perplexity, 3);
        }
        Assert.NotEqual(result.Records[0].Kept, result.Best.Kept);
    }

    [Fact]
    public void A_configuration_seen_before_comes_from_the_cache()
    {
        var (model, sequences) = Setup();
        // Perturbations far below one neuron round back to the root every time.
        var settings = new SearchSettings { Simulations = 10, InitialDelta = 1e-4, MinDelta = 1e-4 };

        var result = MctsSearch.Run(model, sequences, Budget, settings);

        Assert.Single(result.Records);
        Assert.Equal(1, result.Evaluations);
    }

    [Fact]
    public void The_model_evaluates_all_neurons_again_afterwards_even_when_cancelled()
    {
        var (model, sequences) = Setup();
        var progress = new Recording();

        MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 3 }, progress);

        Assert.Null(model.Prefix.Narrowed);
        Assert.Equal([("search 0.50", 0L, 3L), ("search 0.50", 1, 3), ("search 0.50", 2, 3), ("search 0.50", 3, 3)], progress.Reports);

        using var cancellation = new CancellationTokenSource();
        var cancelling = new Recording(afterReport: () => cancellation.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() =>
            MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 50 }, cancelling, cancellation.Token));
        Assert.Null(model.Prefix.Narrowed);
    }

    [Fact]
    public void A_layer_that_matters_more_is_pruned_less_than_the_budget()
    {
        var model = TinyModels.Random(Config);
        using (no_grad())
        {
            // Layer 1 writes 5x more into the residual stream, the others less; a sharper head makes the
            // model's own samples depend on what the layers compute rather than be near-uniform noise.
            for (var l = 0; l < Config.NumLayers; l++)
            {
                model.Layers[l].Mlp.DownProj.weight!.mul_(l == 1 ? 5.0 : 0.3);
            }
            model.named_parameters().Single(p => p.name == "lm_head.weight").parameter.mul_(3.0);
        }
        var sequences = SampleFrom(model);
        ImportanceOrder.Apply(model, ImportanceScorer.Score(model, sequences, batchSize: 8), ImportanceMethod.Activation);

        var result = MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 40 });

        Assert.True(result.Best.Reward > result.Records[0].Reward, "the search found nothing better than uniform pruning");
        Assert.True(result.Best.Ratios[1] < Budget, $"layer 1 is pruned by {result.Best.Ratios[1]:0.###} at a budget of {Budget}");
    }

    /// <summary>The FFN widths of <see cref="Config"/>'s layers.</summary>
    internal static int[] Widths() => Config.IntermediateSizes.ToArray();

    /// <summary>Uniform pruning at <paramref name="budget"/> over <see cref="Widths"/>, ratios within [0, 0.9].</summary>
    internal static BudgetAllocation Uniform(double budget) => new UniformAllocator(Config.NumLayers).Allocate(Widths(), budget, new RatioBounds(0, 0.9));

    /// <summary>Uniform with even layers pruned <paramref name="skew"/> more and odd ones that much less, projected back onto the budget.</summary>
    internal static BudgetAllocation Skewed(double budget, double skew) =>
        BudgetProjection.Project(Uniform(budget).Ratios.Select((r, i) => r + (i % 2 == 0 ? skew : -skew)).ToArray(), Widths(), budget, 0, 0.9);

    internal static (CausalLm Model, CalibrationSequence[] Sequences) Setup()
    {
        var model = TinyModels.Random(Config);
        return (model, SampleFrom(model));
    }

    /// <summary>
    /// 8 x 16 tokens sampled from the model itself: on its own samples the dense model has the lowest
    /// expected NLL (Gibbs' inequality), so pruning costs reward as it would on real text for a trained model.
    /// </summary>
    private static CalibrationSequence[] SampleFrom(CausalLm model, int count = 8, int length = 16)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var tokens = TinyModels.Tokens(count, 1, Config.VocabSize, seed: 5);
        // Sampled with a generator of this call's own: the process-wide one is shared by tests running in parallel.
        using var generator = new Generator(5);
        for (var t = 1; t < length; t++)
        {
            var logits = model.forward(tokens).select(1, -1);
            var next = multinomial(nn.functional.softmax(logits, -1), 1, generator: generator);
            tokens = cat([tokens, next], 1);
        }
        return CalibrationSequence.FromTokens(Enumerable.Range(0, count).Select(i => tokens[i].data<long>().Select(v => (int)v).ToArray()));
    }

    private static string[] Describe(SearchResult result) =>
        result.Records.Select(r => $"{r.Simulation}:{string.Join(',', r.Kept)}:{r.Reward:R}").ToArray();

    private sealed class Recording(Action? afterReport = null) : IJobProgress
    {
        public List<(string Stage, long Done, long Total)> Reports { get; } = [];

        public void Report(string stage, long done, long total, string? detail = null)
        {
            Reports.Add((stage, done, total));
            afterReport?.Invoke();
        }

        public void Info(string message)
        {
        }
    }
}
