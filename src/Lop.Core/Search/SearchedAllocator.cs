using Lop.Core.Allocation;

namespace Lop.Core.Search;

/// <summary>The best configuration MCTS found for the budget (the budget must have been searched); its search time is its decision time.</summary>
internal sealed class SearchedAllocator(SearchDataset dataset) : ILayerAllocator
{
    public string Method => "mcts";

    public double[] Ratios(double budget) => Searched(budget).Best.Ratios;

    public double? SecondsSpentBefore(double budget) => Searched(budget).Seconds;

    private DatasetBudget Searched(double budget) =>
        dataset.Find(budget) ?? throw new InvalidOperationException($"budget {budget} was not searched; ask the pipeline for a dataset holding it");
}
