namespace Lop.Core.Search;

/// <summary>
/// Adds searched trees to a dataset, budget by budget through <see cref="BudgetUnion"/>: the one way a
/// dataset grows, whether the trees were searched in this process or merged from shard fragments.
/// </summary>
public static class DatasetUnion
{
    /// <summary>Whether the dataset already holds the tree of <paramref name="budget"/> with this seed.</summary>
    public static bool Holds(SearchDataset? dataset, double budget, long seed) =>
        dataset?.Find(budget)?.TreesOr(dataset.Settings.Seed).Any(t => t.Seed == seed) == true;

    /// <summary>The dataset with the trees it lacks, budgets ascending; <paramref name="dataset"/> itself when it holds them all.</summary>
    public static SearchDataset Add(SearchDataset dataset, IEnumerable<(double Budget, TreeResult Tree)> trees)
    {
        var budgets = dataset.Budgets.ToList();
        var grew = false;
        foreach (var group in trees.GroupBy(t => budgets.FirstOrDefault(b => SearchDataset.SameBudget(b.Budget, t.Budget))?.Budget ?? t.Budget))
        {
            var index = budgets.FindIndex(b => SearchDataset.SameBudget(b.Budget, group.Key));
            var existing = index >= 0 ? budgets[index] : null;
            var merged = BudgetUnion.Add(existing, group.Key, dataset.Settings.Seed, group.Select(t => t.Tree));
            if (ReferenceEquals(merged, existing))
            {
                continue;
            }
            grew = true;
            if (index >= 0)
            {
                budgets[index] = merged;
            }
            else
            {
                budgets.Add(merged);
            }
        }
        return grew ? dataset with { Budgets = budgets.OrderBy(b => b.Budget).ToList() } : dataset;
    }
}
