using Lop.Core.Calibration;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Pruning;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Models;

/// <summary>
/// The contract of the one owner of a model's FFN pruning state: scopes always restore, applying an
/// order is idempotent, the order never changes under an open scope, and every caller sees one order.
/// </summary>
public class PrefixViewTests
{
    private static readonly ModelConfig Config = TinyModels.Config(layers: 3);

    [Fact]
    public void A_narrowing_scope_restores_all_neurons_even_when_the_work_inside_throws()
    {
        var model = TinyModels.Random(Config);
        var tokens = TinyModels.Tokens(2, 9, Config.VocabSize);
        var dense = TinyModels.Logits(model, tokens);

        void EvaluateAndFail()
        {
            using var narrowed = model.Prefix.Narrow([5, 10, 0]);
            Assert.Equal([5, 10, 0], model.Prefix.Narrowed);
            Assert.False(TinyModels.Logits(model, tokens).eq(dense).all().item<bool>());
            throw new InvalidOperationException("the evaluation failed");
        }
        Assert.Throws<InvalidOperationException>(EvaluateAndFail);

        Assert.Null(model.Prefix.Narrowed);
        Assert.True(TinyModels.Logits(model, tokens).eq(dense).all().item<bool>());
    }

    [Fact]
    public void One_narrowing_at_a_time_and_a_stale_scope_cannot_end_a_newer_one()
    {
        var model = TinyModels.Random(Config);
        var first = model.Prefix.Narrow([1, 2, 3]);

        Assert.Throws<InvalidOperationException>(() => model.Prefix.Narrow([4, 5, 6]));
        first.Dispose();
        using var second = model.Prefix.Narrow([4, 5, 6]);
        first.Dispose();

        Assert.Equal([4, 5, 6], model.Prefix.Narrowed);
        second.Dispose();
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Prefix.Narrow([1, 2, 49]));
        Assert.Throws<ArgumentException>(() => model.Prefix.Narrow([1, 2]));
        Assert.Null(model.Prefix.Narrowed);
    }

    [Fact]
    public void Applying_the_order_that_is_already_applied_changes_nothing()
    {
        var model = TinyModels.Random(Config);
        var order = Shuffled(seed: 1);

        Assert.True(model.Prefix.UseOrder(order));
        var weights = model.Prefix.Weights(0).Gate.clone();
        Assert.False(model.Prefix.UseOrder(order));

        Assert.True(model.Prefix.Weights(0).Gate.eq(weights).all().item<bool>());
        Assert.Equal(order[0], model.Prefix.Order(0));
        Assert.False(model.Prefix.InCheckpointOrder);
        Assert.True(model.Prefix.UseCheckpointOrder());
        Assert.True(model.Prefix.InCheckpointOrder);
        Assert.True(model.Prefix.Weights(0).Gate.eq(TinyModels.Random(Config).Prefix.Weights(0).Gate).all().item<bool>());
    }

    [Fact]
    public void Another_order_under_an_open_scope_is_refused_and_the_same_one_is_not()
    {
        var model = TinyModels.Random(Config);
        var order = Shuffled(seed: 1);
        model.Prefix.UseOrder(order);

        using (model.Prefix.Narrow([24, 24, 24]))
        {
            Assert.False(model.Prefix.UseOrder(order));
            Assert.Throws<InvalidOperationException>(() => model.Prefix.UseOrder(Shuffled(seed: 2)));
        }
        using var statistics = new ActivationStatistics(model.Prefix.Widths);
        using (model.Prefix.Observe(statistics))
        {
            Assert.Throws<InvalidOperationException>(() => model.Prefix.UseCheckpointOrder());
        }
        Assert.Equal(order[2], model.Prefix.Order(2));
        Assert.True(model.Prefix.UseOrder(Shuffled(seed: 2)));
    }

    [Fact]
    public void An_order_must_be_a_permutation_of_each_layers_neurons()
    {
        var model = TinyModels.Random(Config);
        var duplicate = Shuffled(seed: 1);
        duplicate[1][0] = duplicate[1][1];

        Assert.Throws<ArgumentException>(() => model.Prefix.UseOrder(duplicate));
        Assert.Throws<ArgumentException>(() => model.Prefix.UseOrder(Shuffled(seed: 1).Take(2).ToArray()));
        Assert.True(model.Prefix.InCheckpointOrder);
    }

    [Fact]
    public void Evaluators_of_one_model_agree_on_its_order_whoever_sorted_it()
    {
        var model = TinyModels.Random(Config);
        var scores = TestCheckpoints.Importance(model, Config.VocabSize);
        var tokens = TinyModels.Tokens(4, 12, Config.VocabSize, seed: 8);
        var sequences = CalibrationSequence.FromTokens(Enumerable.Range(0, 4).Select(i => tokens[i].data<long>().Select(v => (int)v).ToArray()));
        int[] kept = [20, 30, 10];
        var fresh = TinyModels.Random(Config);
        var expected = new PrefixEvaluator(fresh, scores);
        expected.UseMethod(ImportanceMethod.Activation);

        // A second evaluator created after the first re-sorted the neurons used to assume the checkpoint order.
        new PrefixEvaluator(model, scores).UseMethod(ImportanceMethod.Magnitude);
        var second = new PrefixEvaluator(model, scores);
        second.UseMethod(ImportanceMethod.Activation);

        Assert.Equal(expected.Evaluate(kept, sequences, 2).Perplexity, second.Evaluate(kept, sequences, 2).Perplexity);
        Assert.Equal(Enumerable.Range(0, 3).Select(l => scores.Ranking(ImportanceMethod.Activation, l)), Enumerable.Range(0, 3).Select(l => model.Prefix.Order(l)));
    }

    [Fact]
    public void Importance_scores_index_the_checkpoint_order_whatever_order_the_model_is_in()
    {
        var model = TinyModels.Random(Config);
        var before = TestCheckpoints.Importance(model, Config.VocabSize);

        model.Prefix.UseOrder(Shuffled(seed: 3));
        var after = TestCheckpoints.Importance(model, Config.VocabSize);

        foreach (var method in new[] { ImportanceMethod.Activation, ImportanceMethod.Wanda })
        {
            Assert.Equal(before.Ranking(method, 1), after.Ranking(method, 1));
        }
    }

    private static int[][] Shuffled(int seed)
    {
        var random = new System.Random(seed);
        return Config.IntermediateSizes.Select(w => Enumerable.Range(0, w).OrderBy(_ => random.Next()).ToArray()).ToArray();
    }
}
