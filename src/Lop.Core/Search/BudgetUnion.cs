using System.Globalization;

namespace Lop.Core.Search;

/// <summary>One tree's search of one budget, as a shard hands it over or the pipeline ran it.</summary>
public sealed record TreeResult(SearchTree Tree, IReadOnlyList<SearchRecord> Records);

/// <summary>
/// How trees of one budget fold into a <see cref="DatasetBudget"/>, the same way whether they were searched
/// in one process or merged from shards: a set union. The result depends only on the set of trees, never on
/// the order they arrive in or how they were grouped, and adding a tree already present changes nothing:
/// <list type="bullet">
/// <item>trees are keyed by seed (a seed already present is skipped whole) and kept sorted by seed;
/// Seconds and Evaluations are their sums, added in that order so the floating-point sum is the same too;</item>
/// <item>records are deduplicated by their kept-count vector and ordered by (simulation, kept vector,
/// reward). With one tree that is its evaluation order (a tree's simulations are distinct), so a
/// one-tree dataset reads as before; of two trees that found the same configuration, the earlier
/// simulation's record stays.</item>
/// </list>
/// </summary>
public static class BudgetUnion
{
    /// <summary>
    /// <paramref name="existing"/> (or nothing) with the trees of <paramref name="added"/> it lacks; returns
    /// <paramref name="existing"/> itself when it already holds every one of them.
    /// </summary>
    /// <param name="settingsSeed">the dataset's <see cref="SearchSettings.Seed"/>: the seed of an existing budget written before trees were recorded</param>
    public static DatasetBudget Add(DatasetBudget? existing, double budget, long settingsSeed, IEnumerable<TreeResult> added)
    {
        var trees = existing?.TreesOr(settingsSeed).ToList() ?? [];
        var records = existing?.Records.ToList() ?? [];
        var grew = false;
        foreach (var tree in added)
        {
            if (trees.Any(t => t.Seed == tree.Tree.Seed))
            {
                continue;
            }
            trees.Add(tree.Tree);
            records.AddRange(tree.Records);
            grew = true;
        }
        if (!grew && existing is not null)
        {
            return existing;
        }
        trees.Sort((a, b) => a.Seed.CompareTo(b.Seed));
        var seconds = 0.0;
        var evaluations = 0;
        foreach (var tree in trees)
        {
            seconds += tree.Seconds;
            evaluations += tree.Evaluations;
        }
        var union = records
            .OrderBy(r => r.Simulation)
            .ThenBy(r => r.Kept, KeptOrder.Instance)
            .ThenBy(r => r.Reward)
            .DistinctBy(r => KeyOf(r.Kept))
            .ToList();
        return new DatasetBudget(existing?.Budget ?? budget, seconds, evaluations, union) { Trees = trees };
    }

    /// <summary>The kept-count vector as text: the identity of a configuration (as the evaluator's cache uses it).</summary>
    public static string KeyOf(int[] kept) => string.Join(',', kept.Select(k => k.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Lexicographic order of kept-count vectors, shorter first on a common prefix.</summary>
    private sealed class KeptOrder : IComparer<int[]>
    {
        public static readonly KeptOrder Instance = new();

        public int Compare(int[]? x, int[]? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
            {
                if (x[i] != y[i])
                {
                    return x[i].CompareTo(y[i]);
                }
            }
            return x.Length.CompareTo(y.Length);
        }
    }
}
