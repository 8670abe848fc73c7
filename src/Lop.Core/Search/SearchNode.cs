using Lop.Core.Allocation;

namespace Lop.Core.Search;

/// <summary>A configuration in the search tree with the rewards backed up through it.</summary>
internal sealed class SearchNode(BudgetAllocation allocation, int depth)
{
    private readonly List<SearchNode> _children = [];

    public BudgetAllocation Allocation { get; } = allocation;

    /// <summary>0 at the root; sets how far the children of this node may move (<see cref="SearchSettings.Delta"/>).</summary>
    public int Depth { get; } = depth;

    public IReadOnlyList<SearchNode> Children => _children;

    public int Visits { get; private set; }

    public double TotalReward { get; private set; }

    public double MeanReward => Visits == 0 ? 0 : TotalReward / Visits;

    public void AddChild(SearchNode child) => _children.Add(child);

    /// <summary>Backpropagation: one more visit that earned <paramref name="reward"/> somewhere below (or at) this node.</summary>
    public void Record(double reward)
    {
        Visits++;
        TotalReward += reward;
    }

    /// <summary>
    /// UCB1: mean reward + c x sqrt(ln N / n), an unvisited child first, ties to the older child so the
    /// walk is deterministic. Mean rewards are first scaled to [0, 1] by <paramref name="scale"/> when given,
    /// so that c weighs exploration against reward differences of any size.
    /// </summary>
    public SearchNode SelectChild(double exploration, (double Min, double Max)? scale)
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
            var mean = child.MeanReward;
            if (scale is var (min, max))
            {
                mean = max > min ? (mean - min) / (max - min) : 0;
            }
            var score = mean + exploration * Math.Sqrt(logVisits / child.Visits);
            if (best is null || score > bestScore)
            {
                best = child;
                bestScore = score;
            }
        }
        return best!;
    }
}
