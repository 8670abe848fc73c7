using System.Diagnostics;
using System.Globalization;
using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Allocation;

namespace Lop.Core.Search;

/// <summary>
/// Monte Carlo tree search over per-layer FFN ratios for one budget (LOP, section 4.2 and appendix A.3).
/// The root is uniform pruning at the budget; a child is its parent with every layer moved by
/// U(-delta, delta), delta shrinking with depth, then projected back onto the budget
/// (<see cref="BudgetProjection"/>), so every node meets the budget exactly. A node takes up to
/// <see cref="SearchSettings.MaxChildren"/> children before the walk descends through it by UCB
/// (progressive widening): with evaluations this expensive, a simulation is one expansion, and its
/// reward is the new child's own (no rollout; the child already is a complete configuration).
/// With <see cref="SearchSettings.Patience"/> the search ends once that many simulations in a row have not raised
/// the best full-fidelity reward.
/// </summary>
internal static class MctsSearch
{
    /// <param name="model">neurons already in importance order (<see cref="ImportanceOrder.Apply"/>), not narrowed; each candidate narrows it only while it is evaluated</param>
    /// <param name="sequences">the search split: the reward is measured here, never on held-out data</param>
    public static SearchResult Run(
        IPrunableModel model,
        IReadOnlyList<CalibrationSequence> sequences,
        double budget,
        SearchSettings settings,
        IJobProgress? progress = null,
        CancellationToken cancellation = default)
    {
        settings.Validate();
        if (!sequences.Any(s => s.Length >= 2))
        {
            throw new LopException(ErrorCodes.CalibrationTooSmall,
                "the search needs at least one sequence of two or more tokens to measure next-token loss on.");
        }
        var widths = model.Prefix.Widths.Select(width => checked((int)width)).ToArray();
        var uniform = new UniformAllocator(widths.Length).Allocate(widths, budget, settings.Bounds());
        var stage = string.Create(CultureInfo.InvariantCulture, $"search {budget:0.00}");
        var clock = Stopwatch.StartNew();
        var random = new SplitMix64(unchecked((ulong)settings.Seed));
        using var evaluator = new CandidateEvaluator(model, sequences, settings.BatchSize, budget, settings.ImageGapWeight, settings.Staged, settings.ScoredStride());
        var root = new SearchNode(uniform, depth: 0);
        // The root is the first candidate, so staged fidelity always promotes it: uniform is always a full-fidelity record.
        var rootScore = evaluator.Evaluate(uniform, simulation: 0, cancellation);
        root.Record(rootScore);
        progress?.Report(stage, 0, settings.Simulations);
        var bestReward = rootScore.Record!.Reward;
        var sinceImproved = 0;
        var simulations = 0;

        for (var simulation = 1; simulation <= settings.Simulations; simulation++)
        {
            if (settings.Patience > 0 && sinceImproved >= settings.Patience)
            {
                progress?.Info(string.Create(CultureInfo.InvariantCulture,
                    $"{stage}: stopped after {simulations} simulations, the best reward unchanged for the last {settings.Patience}"));
                break;
            }
            var path = new List<SearchNode> { root };
            var node = root;
            while (node.Children.Count >= settings.MaxChildren)
            {
                node = node.SelectChild(settings.Exploration, evaluator.Values(settings.NormalizeRewards));
                path.Add(node);
            }
            var child = new SearchNode(Perturb(node, widths, budget, settings, random), node.Depth + 1);
            var scored = evaluator.Evaluate(child.Allocation, simulation, cancellation);
            node.AddChild(child);
            path.Add(child);
            foreach (var visited in path)
            {
                visited.Record(scored);
            }
            simulations = simulation;
            if (scored.Record is { } record && record.Reward > bestReward)
            {
                bestReward = record.Reward;
                sinceImproved = 0;
            }
            else
            {
                sinceImproved++;
            }
            progress?.Report(stage, simulation, settings.Simulations);
        }

        var best = evaluator.Records[0];
        foreach (var record in evaluator.Records)
        {
            if (record.Reward > best.Reward)
            {
                best = record;
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var candidates = evaluator.CheapEvaluations > 0 ? string.Create(CultureInfo.InvariantCulture, $" (of {evaluator.CheapEvaluations} candidates scored cheaply)") : "";
        progress?.Info(string.Create(CultureInfo.InvariantCulture,
            $"{stage}: best perplexity {best.Perplexity:0.###} (uniform {evaluator.Records[0].Perplexity:0.###}), {evaluator.Records.Count} evaluations{candidates} in {seconds:0.#} s"));
        return new SearchResult(budget, evaluator.Records.ToArray(), best, seconds, evaluator.Records.Count, evaluator.Cost(simulations));
    }

    /// <summary>Expansion: every layer's ratio moves by U(-delta, delta) for the parent's depth, then back onto the budget.</summary>
    private static BudgetAllocation Perturb(SearchNode parent, int[] widths, double budget, SearchSettings settings, SplitMix64 random)
    {
        var delta = settings.Delta(parent.Depth);
        var ratios = parent.Allocation.Ratios.Select(r => r + (2 * random.NextDouble() - 1) * delta).ToArray();
        return BudgetProjection.Project(ratios, widths, budget, settings.LowerBound, settings.UpperBound);
    }
}
