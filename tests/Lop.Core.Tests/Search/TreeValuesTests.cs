using Lop.Core.Search;

namespace Lop.Core.Tests.Search;

/// <summary>With staged fidelity the tree reads a promoted candidate by its full reward and any other by its shifted cheap score.</summary>
public class TreeValuesTests
{
    private const double Budget = 0.5;

    [Fact]
    public void Promoted_candidates_count_by_their_full_reward_and_the_others_by_their_cheap_score_shifted_by_the_promoted_mean_difference()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        // Skews of growing size: the larger the skew, the further from uniform and (here) the worse the cheap score,
        // so with PromoteTop 1 the first two are promoted (the root always is; the second ties nothing) and the rest are not.
        var candidates = new[] { 0.0, 0.05, 0.3, 0.35, 0.4 }.Select(skew => MctsSearchTests.Skewed(Budget, skew)).ToArray();

        using var evaluator = new CandidateEvaluator(model, sequences, batchSize: 3, Budget, staged: new StagedFidelity(Sequences: 2, PromoteTop: 1));
        var scored = candidates.Select((allocation, simulation) => evaluator.Evaluate(allocation, simulation, default)).ToArray();
        var promoted = scored.Where(s => s.Record is not null).ToArray();
        var cheapOnly = scored.Where(s => s.Record is null).ToArray();
        Assert.NotEmpty(promoted);
        Assert.NotEmpty(cheapOnly);

        var values = evaluator.Values(normalize: true);

        var offset = promoted.Average(s => s.Record!.Reward - s.Score);
        Assert.Equal(offset, values.CheapOffset, 12);
        var treeValues = promoted.Select(s => s.Record!.Reward).Concat(cheapOnly.Select(s => s.Score + offset)).ToArray();
        Assert.Equal((treeValues.Min(), treeValues.Max()), values.Range!.Value);
        // A node the five candidates were backed up through has their mean tree value.
        var node = new SearchNode(MctsSearchTests.Uniform(Budget), depth: 0);
        foreach (var candidate in scored)
        {
            node.Record(candidate);
        }
        Assert.Equal(treeValues.Average(), node.MeanReward(values.CheapOffset), 12);
    }

    [Fact]
    public void Without_staged_fidelity_every_value_is_the_reward_and_nothing_is_shifted()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        var uniform = MctsSearchTests.Uniform(Budget);
        var skewed = MctsSearchTests.Skewed(Budget, 0.2);

        using var evaluator = new CandidateEvaluator(model, sequences, batchSize: 3, Budget);
        var rewards = new[] { uniform, skewed }.Select((allocation, simulation) => evaluator.Evaluate(allocation, simulation, default).Record!.Reward).ToArray();

        var values = evaluator.Values(normalize: true);
        Assert.Equal(0, values.CheapOffset);
        Assert.Equal((rewards.Min(), rewards.Max()), values.Range!.Value);
        Assert.Null(evaluator.Values(normalize: false).Range);
    }
}
