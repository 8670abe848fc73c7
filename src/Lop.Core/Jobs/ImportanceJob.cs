using System.Diagnostics;
using Lop.Core.Artifacts;
using Lop.Core.Importance;
using Lop.Core.Progress;

namespace Lop.Core.Jobs;

public sealed record ImportanceRequest(string ModelFolder, CalibrationOptions Calibration, int BatchSize = 8, string DType = "f32", string? CacheFolder = null);

public sealed record LayerImportanceSummary(int Layer, int Width, double MeanActivation, double MinActivation, double MaxActivation);

public sealed record ImportanceReport(
    string Model,
    string Statistic,
    long CalibrationTokens,
    bool FromCache,
    double Seconds,
    string CacheFile,
    IReadOnlyList<LayerImportanceSummary> Layers);

/// <summary>
/// <c>dotnet lop importance</c>: one pass of the dense model over the search split yields every neuron
/// score; the result is cached under a key of everything it depends on.
/// </summary>
public static class ImportanceJob
{
    public const string Statistic = "activation RMS at the down_proj input over all search-split tokens";

    public static ImportanceReport Run(ImportanceRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var inputs = JobInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        var clock = Stopwatch.StartNew();
        var (scores, file, fromCache) = Obtain(inputs, request.BatchSize, request.CacheFolder, progress, cancellation);
        var layers = Enumerable.Range(0, scores.Layers).Select(l =>
        {
            var activation = scores.For(ImportanceMethod.Activation, l);
            return new LayerImportanceSummary(l, activation.Length, activation.Average(), activation.Min(), activation.Max());
        }).ToList();
        return new ImportanceReport(inputs.Checkpoint.Folder, Statistic, scores.CalibrationTokens, fromCache, clock.Elapsed.TotalSeconds, file, layers);
    }

    /// <summary>The scores from the cache, or computed (and cached) now.</summary>
    internal static (ImportanceScores Scores, string File, bool FromCache) Obtain(
        JobInputs inputs, int batchSize, string? cacheFolder, IJobProgress progress, CancellationToken cancellation)
    {
        return inputs.Importance ??= Load(inputs, batchSize, cacheFolder, progress, cancellation);
    }

    private static (ImportanceScores Scores, string File, bool FromCache) Load(
        JobInputs inputs, int batchSize, string? cacheFolder, IJobProgress progress, CancellationToken cancellation)
    {
        var fingerprint = inputs.Checkpoint.Fingerprint();
        var key = ImportanceStore.Key(fingerprint, inputs.Calibration.ContentHash, inputs.ComputeDType);
        var store = new ArtifactStore(CacheRoot.Resolve(cacheFolder));
        var file = ImportanceStore.PathFor(store, key);
        var cached = ImportanceStore.TryLoad(store, key, out var problem);
        if (problem is not null)
        {
            progress.Info("warning: " + problem);
        }
        if (cached is not null)
        {
            progress.Info($"importance: cached ({file})");
            return (cached, file, true);
        }
        var scores = ImportanceScorer.Score(inputs.Model(progress), inputs.Calibration.Search, batchSize,
            new PerplexityJob.Progress(progress, "importance"), cancellation);
        ImportanceStore.Save(store, key, scores, new Dictionary<string, string>
        {
            ["model"] = inputs.Checkpoint.Folder,
            ["modelFingerprint"] = fingerprint,
            ["calibration"] = inputs.Calibration.ContentHash,
            ["dtype"] = inputs.ComputeDType,
            ["tokens"] = scores.CalibrationTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return (scores, file, false);
    }
}
