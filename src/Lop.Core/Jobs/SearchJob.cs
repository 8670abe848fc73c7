using Lop.Core.Pipeline;
using Lop.Core.Artifacts;
using Lop.Core.Importance;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Calibration;

namespace Lop.Core.Jobs;

public sealed record SearchRequest(
    string ModelFolder,
    CalibrationOptions Calibration,
    IReadOnlyList<double> Budgets,
    SearchSettings Settings,
    int RewardSequences = PredictorTraining.DefaultRewardSequences,
    string DType = ComputeSettings.DefaultDType,
    string? CacheFolder = null);

public sealed record SearchBudgetSummary(double Budget, bool FromCache, int Evaluations, double Seconds, double BestPerplexity, double UniformPerplexity, double[] BestRatios);

public sealed record SearchReport(string DatasetKey, string DatasetVersion, IReadOnlyList<SearchBudgetSummary> Budgets);

/// <summary>
/// <c>dotnet lop search</c>: MCTS per budget, every evaluated configuration kept in a versioned
/// dataset; budgets already in the cached dataset are not searched again.
/// </summary>
public static class SearchJob
{
    public static SearchReport Run(SearchRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var pipeline = ModelPipeline.Open(request.ModelFolder, request.Calibration, request.DType, request.CacheFolder, progress);
        var (dataset, searchedNow) = pipeline.Dataset(request.Budgets, request.Settings, request.RewardSequences, cancellation);
        var summaries = request.Budgets.Select(b =>
        {
            var entry = dataset.Value.Find(b)!;
            var uniform = entry.Records.OrderBy(r => r.Simulation).First();
            return new SearchBudgetSummary(b, !searchedNow.Any(s => SearchDataset.SameBudget(s, b)), entry.Evaluations, entry.Seconds,
                entry.Best.Perplexity, uniform.Perplexity, entry.Best.Ratios);
        }).ToList();
        return new SearchReport(dataset.Key, dataset.Version, summaries);
    }
}
