using Lop.Core.Allocation;

namespace Lop.Core.Search;

/// <summary>
/// A configuration in the search tree with the rewards backed up through it. With staged fidelity a reward
/// below a node is either a candidate's full reward (it was promoted) or only its cheap score; the node keeps
/// the two apart, so its mean can move every cheap score onto the full reward's scale by the offset known at
/// the time it is read (<see cref="TreeValues"/>), which sharpens as more candidates are promoted.
/// </summary>
internal sealed class SearchNode(BudgetAllocation allocation, int depth)
{
    private readonly List<SearchNode> _children = [];
    private double _fullRewards;
    private double _cheapScores;
    private int _cheapVisits;

    public BudgetAllocation Allocation { get; } = allocation;

    /// <summary>0 at the root; sets how far the children of this node may move (<see cref="SearchSettings.Delta"/>).</summary>
    public int Depth { get; } = depth;

    public IReadOnlyList<SearchNode> Children => _children;

    public int Visits { get; private set; }

    public void AddChild(SearchNode child) => _children.Add(child);

    /// <summary>Backpropagation: one more visit that scored <paramref name="scored"/> somewhere below (or at) this node.</summary>
    public void Record(ScoredCandidate scored)
    {
        Visits++;
        if (scored.Record is { } record)
        {
            _fullRewards += record.Reward;
        }
        else
        {
            _cheapScores += scored.Score;
            _cheapVisits++;
        }
    }

    /// <summary>The mean reward of the visits through this node, cheap scores moved by <paramref name="cheapOffset"/>.</summary>
    public double MeanReward(double cheapOffset) =>
        Visits == 0 ? 0 : (_fullRewards + _cheapScores + _cheapVisits * cheapOffset) / Visits;

    /// <summary>
    /// UCB1: mean reward + c x sqrt(ln N / n), an unvisited child first, ties to the older child so the
    /// walk is deterministic. Mean rewards are first scaled to [0, 1] by the smallest and largest value of
    /// <paramref name="values"/> when it has them, so that c weighs exploration against reward differences of any size.
    /// </summary>
    public SearchNode SelectChild(double exploration, TreeValues values)
    {
        if (_children.Count == 0)
        {
            throw new InvalidOperationException("a node without children has nothing to select");
        }
        SearchNode? best = null;
        var bestScore = double.NegativeInfinity;
        var logVisits = Math.Log(Math.Max(1, Visits));
        foreach (var child in _children)
        {
            if (child.Visits == 0)
            {
                return child;
            }
            var score = values.Normalize(child.MeanReward(values.CheapOffset)) + exploration * Math.Sqrt(logVisits / child.Visits);
            if (best is null || score > bestScore)
            {
                best = child;
                bestScore = score;
            }
        }
        return best!;
    }
}

/// <summary>
/// How the tree reads rewards at one moment of the search.
/// </summary>
/// <param name="CheapOffset">
/// added to a cheap score to put it on the full reward's scale: the mean of (full reward - cheap score) over the
/// promoted candidates (0 without staged fidelity). The cheap score is minus a KL divergence from the full-width model
/// and the reward minus an NLL, whose difference from the full model's own NLL that divergence estimates, so the two
/// differ by about a constant, and a shift (no fitted slope) keeps the order of the cheap scores.
/// </param>
/// <param name="Range">smallest and largest value in the tree (full rewards and shifted cheap scores), or null not to normalise</param>
internal readonly record struct TreeValues(double CheapOffset, (double Min, double Max)? Range)
{
    public double Normalize(double mean) => Range is var (min, max) ? (max > min ? (mean - min) / (max - min) : 0) : mean;
}
