using Lop.Core.Calibration;
using System.Globalization;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Allocation;

namespace Lop.Core.Search;

/// <summary>
/// Scores kept-count vectors on a model whose neurons are in importance order: each candidate is a
/// prefix of every layer, narrowed with <see cref="PrefixView.Narrow"/> for the evaluation only, so no
/// weights are copied and the model evaluates all neurons again afterwards, whatever happened inside.
/// A vector seen before is answered from the cache: MCTS revisits configurations (perturbations that
/// round to the same counts), and an evaluation is the whole cost of the search. With a positive image-gap weight and image+text sequences, the reward
/// also counts how much worse the text becomes with wrong images (<see cref="SearchSettings.ImageGapWeight"/>).
/// </summary>
internal sealed class CandidateEvaluator(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, double budget, double imageGapWeight = 0)
{
    private readonly CalibrationSequence[]? _wrongImages =
        imageGapWeight > 0 && sequences.Any(s => s.Image is not null) ? ImageSwap.WithWrongImages(sequences) : null;

    private readonly Dictionary<string, SearchRecord> _cache = new(StringComparer.Ordinal);
    private readonly List<SearchRecord> _records = [];

    /// <summary>Every distinct configuration evaluated, in order.</summary>
    public IReadOnlyList<SearchRecord> Records => _records;

    public double MinReward { get; private set; } = double.PositiveInfinity;

    public double MaxReward { get; private set; } = double.NegativeInfinity;

    public SearchRecord Evaluate(BudgetAllocation allocation, int simulation, CancellationToken cancellation)
    {
        var key = string.Join(',', allocation.Kept.Select(k => k.ToString(CultureInfo.InvariantCulture)));
        if (_cache.TryGetValue(key, out var known))
        {
            return known;
        }
        cancellation.ThrowIfCancellationRequested();
        LogLikelihoodResult result;
        double reward;
        using (model.Prefix.Narrow(allocation.Kept))
        {
            result = LogLikelihood.Evaluate(model, sequences, batchSize, cancellation: cancellation);
            // Reward = -mean next-token NLL (log perplexity): needs no labels, is smooth in the configuration
            // (unlike an accuracy on a few hundred questions), and ranks configurations exactly as perplexity does.
            reward = -result.MeanNll;
            if (_wrongImages is not null)
            {
                reward += imageGapWeight * (LogLikelihood.Evaluate(model, _wrongImages, batchSize, cancellation: cancellation).MeanNll - result.MeanNll);
            }
        }
        var record = new SearchRecord(budget, allocation.Ratios, allocation.Kept, reward, result.Perplexity, simulation);
        _cache.Add(key, record);
        _records.Add(record);
        MinReward = Math.Min(MinReward, record.Reward);
        MaxReward = Math.Max(MaxReward, record.Reward);
        return record;
    }
}
