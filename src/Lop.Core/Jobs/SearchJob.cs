using Lop.Core.Artifacts;
using Lop.Core.Importance;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Search;

namespace Lop.Core.Jobs;

public sealed record SearchRequest(
    string ModelFolder,
    CalibrationOptions Calibration,
    IReadOnlyList<double> Budgets,
    SearchSettings Settings,
    int RewardSequences = SearchJob.DefaultRewardSequences,
    string DType = "f32",
    string? CacheFolder = null);

public sealed record SearchBudgetSummary(double Budget, bool FromCache, int Evaluations, double Seconds, double BestPerplexity, double UniformPerplexity, double[] BestRatios);

public sealed record SearchReport(string DatasetKey, string DatasetVersion, IReadOnlyList<SearchBudgetSummary> Budgets);

/// <summary>
/// <c>dotnet lop search</c>: MCTS per budget, every evaluated configuration kept in a versioned
/// dataset; budgets already in the cached dataset are not searched again.
/// </summary>
public static class SearchJob
{
    /// <summary>
    /// Search-split sequences each candidate is scored on. The paper scores on a benchmark's validation
    /// set; a few thousand tokens rank configurations reliably and keep 300 simulations in minutes.
    /// </summary>
    public const int DefaultRewardSequences = 32;

    public static SearchReport Run(SearchRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var inputs = JobInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        var (dataset, key, version, searched) = Obtain(inputs, request.Budgets, request.Settings, request.RewardSequences, request.CacheFolder, progress, cancellation);
        var summaries = request.Budgets.Select(b =>
        {
            var entry = dataset.Find(b)!;
            var uniform = entry.Records.OrderBy(r => r.Simulation).First();
            return new SearchBudgetSummary(b, !searched.Any(s => SearchDataset.SameBudget(s, b)), entry.Evaluations, entry.Seconds,
                entry.Best.Perplexity, uniform.Perplexity, entry.Best.Ratios);
        }).ToList();
        return new SearchReport(key, version, summaries);
    }

    /// <summary>The dataset holding every requested budget, searching only the missing ones.</summary>
    internal static (SearchDataset Dataset, string Key, string Version, IReadOnlyList<double> Searched) Obtain(
        JobInputs inputs, IReadOnlyList<double> budgets, SearchSettings settings, int rewardSequences, string? cacheFolder,
        IJobProgress progress, CancellationToken cancellation)
    {
        var store = new ArtifactStore(CacheRoot.Resolve(cacheFolder));
        var importance = ImportanceMethod.Activation;
        var fingerprint = inputs.Checkpoint.Fingerprint();
        var key = DatasetStore.Key(fingerprint, inputs.Calibration.ContentHash, importance.ToString().ToLowerInvariant(), inputs.ComputeDType, settings, rewardSequences);
        var cached = DatasetStore.TryLoad(store, key, out var problem);
        if (problem is not null)
        {
            progress.Info("warning: " + problem);
        }
        var existing = cached?.Dataset.Budgets ?? [];
        var missing = budgets.Where(b => !existing.Any(e => SearchDataset.SameBudget(e.Budget, b))).Distinct().ToList();
        if (missing.Count == 0 && cached is { } hit)
        {
            progress.Info($"search: dataset {key[..12]} v{hit.Version} already holds budgets {string.Join(", ", budgets)}");
            return (hit.Dataset, key, hit.Version.ToNormalizedString(), []);
        }
        var (scores, _, _) = ImportanceJob.Obtain(inputs, settings.BatchSize, cacheFolder, progress, cancellation);
        var evaluator = inputs.Evaluator(scores, progress);
        evaluator.UseMethod(importance);
        var sequences = inputs.Calibration.Search.Take(rewardSequences).ToArray();
        var added = new List<DatasetBudget>();
        foreach (var budget in missing)
        {
            var result = MctsSearch.Run(evaluator.Model, sequences, budget, settings, progress, cancellation);
            added.Add(new DatasetBudget(budget, result.Seconds, result.Evaluations, result.Records));
            progress.Info($"search {budget:0.###}: best perplexity {result.Best.Perplexity:F4} after {result.Evaluations} evaluations in {result.Seconds:F1} s");
        }
        var dataset = new SearchDataset
        {
            ModelFingerprint = fingerprint,
            CalibrationHash = inputs.Calibration.ContentHash,
            Importance = importance.ToString().ToLowerInvariant(),
            ComputeDType = inputs.ComputeDType,
            Settings = settings,
            RewardSequences = rewardSequences,
            Budgets = existing.Concat(added).OrderBy(b => b.Budget).ToList(),
        };
        var version = DatasetStore.Save(store, key, dataset, cached?.Version, inputs.Checkpoint.Folder);
        return (dataset, key, version.ToNormalizedString(), missing);
    }
}
