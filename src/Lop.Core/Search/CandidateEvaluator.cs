using Lop.Core.Errors;
using Lop.Core.Calibration;
using System.Globalization;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Allocation;

namespace Lop.Core.Search;

/// <summary>A candidate's score, and its record when it was scored at full fidelity.</summary>
/// <param name="Score">the full-fidelity reward, or with staged fidelity the cheap score (every candidate has one)</param>
/// <param name="Record">the full-fidelity record; null when staged fidelity did not promote the candidate</param>
internal readonly record struct ScoredCandidate(double Score, SearchRecord? Record);

/// <summary>
/// Scores kept-count vectors on a model whose neurons are in importance order: each candidate is a
/// prefix of every layer, narrowed with <see cref="PrefixView.Narrow"/> for the evaluation only, so no
/// weights are copied and the model evaluates all neurons again afterwards, whatever happened inside.
/// A vector seen before is answered from the cache: MCTS revisits configurations (perturbations that
/// round to the same counts), and an evaluation is the whole cost of the search. With a positive image-gap weight and image+text sequences, the reward
/// also counts how much worse the text becomes with wrong images (<see cref="SearchSettings.ImageGapWeight"/>).
/// With staged fidelity (<see cref="SearchSettings.Staged"/>) a candidate is first scored by its divergence from the
/// full-width model on the first few sequences (<see cref="DenseDivergence"/>), and on all of them by the reward only
/// when that cheap score ranks among the best cheap scores so far; only full scores become records.
/// </summary>
internal sealed class CandidateEvaluator : IDisposable
{
    private readonly IPrunableModel _model;
    private readonly int _batchSize;
    private readonly double _budget;
    private readonly double _imageGapWeight;
    private readonly int _tokenStride;
    private readonly RewardSet _full;
    private readonly DenseDivergence? _cheap;
    private readonly int _promoteTop;
    private readonly Dictionary<string, ScoredCandidate> _cache = new(StringComparer.Ordinal);
    private readonly List<SearchRecord> _records = [];
    private readonly List<double> _cheapScores = [];
    private readonly List<(double Cheap, double Full)> _promoted = [];
    private (double Min, double Max) _fullRange = (double.PositiveInfinity, double.NegativeInfinity);
    private (double Min, double Max) _cheapRange = (double.PositiveInfinity, double.NegativeInfinity);
    private long _decoderTokens;
    private long _keptNeuronTokens;
    private long _scoredTokens;

    public CandidateEvaluator(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, int batchSize, double budget,
        double imageGapWeight = 0, StagedFidelity? staged = null, int tokenStride = 1)
    {
        _model = model;
        _batchSize = batchSize;
        _budget = budget;
        _imageGapWeight = imageGapWeight;
        _tokenStride = tokenStride;
        _full = new RewardSet(sequences, imageGapWeight);
        // Fewer full sequences than the cheap stage asks for: the cheap score would be the full one, so there is no stage.
        if (staged is { } stage && stage.Sequences < sequences.Count)
        {
            var cheapSequences = sequences.Take(stage.Sequences).ToArray();
            if (tokenStride > 1 && !cheapSequences.Any(s => ScoredTargets.Count(s, tokenStride) > 0))
            {
                throw new LopException(ErrorCodes.InvalidArgument, string.Create(CultureInfo.InvariantCulture,
                    $"search settings: a token stride of {tokenStride} scores no target of the {cheapSequences.Length} cheap-stage sequences (the longest has {cheapSequences.Max(s => s.Length)} tokens); lower the stride below the sequence length."));
            }
            // Taken now, while the model is at full width: the reference every cheap score is measured against.
            _cheap = DenseDivergence.Capture(model, cheapSequences, batchSize, tokenStride);
            _promoteTop = stage.PromoteTop;
        }
    }

    public void Dispose() => _cheap?.Dispose();

    /// <summary>Every distinct configuration scored at full fidelity, in order.</summary>
    public IReadOnlyList<SearchRecord> Records => _records;

    /// <summary>
    /// How the tree reads rewards now: a promoted candidate by its full reward, any other by its cheap score shifted
    /// onto the full reward's scale (<see cref="TreeValues.CheapOffset"/>), and with <paramref name="normalize"/> the
    /// range UCB scales them by. So the best candidates, which are the promoted ones, steer the tree by the paper's
    /// reward, and the cheap stage's noise only matters among candidates that were never close to the best.
    /// </summary>
    public TreeValues Values(bool normalize)
    {
        var offset = _promoted.Count == 0 ? 0 : _promoted.Average(p => p.Full - p.Cheap);
        var min = Math.Min(_fullRange.Min, _cheapRange.Min + offset);
        var max = Math.Max(_fullRange.Max, _cheapRange.Max + offset);
        return new TreeValues(offset, normalize ? (min, max) : null);
    }

    /// <summary>Candidates scored at the cheap stage (0 without staged fidelity).</summary>
    public int CheapEvaluations => _cheapScores.Count;

    /// <summary>(cheap, full) reward of every promoted candidate, for the rank correlation between the two stages.</summary>
    public IReadOnlyList<(double Cheap, double Full)> Promoted => _promoted;

    public SearchCost Cost(int simulations) =>
        new(simulations, _records.Count, CheapEvaluations, _decoderTokens, _keptNeuronTokens, _scoredTokens);

    public ScoredCandidate Evaluate(BudgetAllocation allocation, int simulation, CancellationToken cancellation)
    {
        var key = BudgetUnion.KeyOf(allocation.Kept);
        if (_cache.TryGetValue(key, out var known))
        {
            return known;
        }
        cancellation.ThrowIfCancellationRequested();
        ScoredCandidate scored;
        using (_model.Prefix.Narrow(allocation.Kept))
        {
            if (_cheap is null)
            {
                var (reward, perplexity) = Score(_full, allocation.Kept, cancellation);
                scored = new ScoredCandidate(reward, Keep(allocation, reward, perplexity, simulation));
            }
            else
            {
                var cheap = CheapScore(_cheap, allocation.Kept, cancellation);
                // Promoted when fewer than PromoteTop earlier cheap scores beat it: rank-based, so it needs no scale of divergences.
                var better = _cheapScores.Count(s => s > cheap);
                _cheapScores.Add(cheap);
                SearchRecord? record = null;
                if (better < _promoteTop)
                {
                    var (reward, perplexity) = Score(_full, allocation.Kept, cancellation);
                    record = Keep(allocation, reward, perplexity, simulation);
                    _promoted.Add((cheap, reward));
                }
                scored = new ScoredCandidate(cheap, record);
            }
        }
        _cache.Add(key, scored);
        if (scored.Record is { } full)
        {
            _fullRange = (Math.Min(_fullRange.Min, full.Reward), Math.Max(_fullRange.Max, full.Reward));
        }
        else
        {
            _cheapRange = (Math.Min(_cheapRange.Min, scored.Score), Math.Max(_cheapRange.Max, scored.Score));
        }
        return scored;
    }

    private SearchRecord Keep(BudgetAllocation allocation, double reward, double perplexity, int simulation)
    {
        var record = new SearchRecord(_budget, allocation.Ratios, allocation.Kept, reward, perplexity, simulation);
        _records.Add(record);
        return record;
    }

    /// <summary>
    /// Minus the mean divergence from the full-width model on the cheap sequences: higher is better, like the reward.
    /// With image+text sequences it is measured with their true images only; the image gap joins at full fidelity.
    /// </summary>
    private double CheapScore(DenseDivergence cheap, int[] kept, CancellationToken cancellation)
    {
        var divergence = cheap.Mean(_model, cancellation);
        Count(cheap.Sequences, kept, _tokenStride);
        return -divergence;
    }

    /// <summary>The reward on one set of sequences (and its perplexity), counting what the forward passes cost.</summary>
    private (double Reward, double Perplexity) Score(RewardSet set, int[] kept, CancellationToken cancellation)
    {
        var result = Measure(set.Sequences, kept, cancellation);
        // Reward = -mean next-token NLL (log perplexity): needs no labels, is smooth in the configuration
        // (unlike an accuracy on a few hundred questions), and ranks configurations exactly as perplexity does.
        var reward = -result.MeanNll;
        if (set.WrongImages is { } wrong)
        {
            reward += _imageGapWeight * (Measure(wrong, kept, cancellation).MeanNll - result.MeanNll);
        }
        return (reward, result.Perplexity);
    }

    private LogLikelihoodResult Measure(IReadOnlyList<CalibrationSequence> sequences, int[] kept, CancellationToken cancellation)
    {
        var result = LogLikelihood.Evaluate(_model, sequences, _batchSize, cancellation: cancellation);
        Count(sequences, kept, stride: 1);
        return result;
    }

    /// <summary>What one forward pass over <paramref name="sequences"/> at widths <paramref name="kept"/> costs (<see cref="SearchCost"/>).</summary>
    private void Count(IReadOnlyList<CalibrationSequence> sequences, int[] kept, int stride)
    {
        var inputs = sequences.Sum(s => (long)Math.Max(0, s.Length - 1));
        _decoderTokens += inputs;
        _keptNeuronTokens += inputs * kept.Sum(k => (long)k);
        _scoredTokens += sequences.Sum(s => (long)ScoredTargets.Indices(Math.Max(0, s.Length - 1), stride).Length);
    }

    /// <summary>Sequences a reward is measured on, with their wrong-image copies when the image gap counts.</summary>
    private sealed class RewardSet(IReadOnlyList<CalibrationSequence> sequences, double imageGapWeight)
    {
        public IReadOnlyList<CalibrationSequence> Sequences { get; } = sequences;

        public CalibrationSequence[]? WrongImages { get; } =
            imageGapWeight > 0 && sequences.Any(s => s.Image is not null) ? ImageSwap.WithWrongImages(sequences) : null;
    }
}
