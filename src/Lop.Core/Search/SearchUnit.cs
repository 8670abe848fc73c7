namespace Lop.Core.Search;

/// <summary>
/// The unit of search work: one tree (<paramref name="Tree"/>, seeded <paramref name="Seed"/>) of one budget.
/// Units share nothing, so any machine can search any of them and the dataset is their union.
/// </summary>
public sealed record SearchUnit(double Budget, int Tree, long Seed)
{
    /// <summary>
    /// Every unit of a search, numbered the same way on every machine: budgets ascending (duplicates
    /// dropped), each budget's trees in order. Unit k belongs to shard k mod N (a shard's share).
    /// </summary>
    public static IReadOnlyList<SearchUnit> All(IEnumerable<double> budgets, SearchSettings settings)
    {
        var distinct = new List<double>();
        foreach (var budget in budgets.Order())
        {
            if (!distinct.Any(b => SearchDataset.SameBudget(b, budget)))
            {
                distinct.Add(budget);
            }
        }
        return distinct
            .SelectMany(budget => Enumerable.Range(0, settings.Trees()).Select(tree => new SearchUnit(budget, tree, settings.TreeSeed(tree))))
            .ToList();
    }
}
