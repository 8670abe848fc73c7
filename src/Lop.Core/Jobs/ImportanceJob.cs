using System.Diagnostics;
using Lop.Core.Importance;
using Lop.Core.Pipeline;
using Lop.Core.Settings;
using Lop.Core.Progress;
using Lop.Core.Calibration;

namespace Lop.Core.Jobs;

public sealed record ImportanceRequest(string ModelFolder, CalibrationOptions Calibration, int BatchSize = ComputeSettings.DefaultBatchSize, string DType = ComputeSettings.DefaultDType, string? CacheFolder = null);

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
        using var pipeline = ModelPipeline.Open(request.ModelFolder, request.Calibration, request.DType, request.CacheFolder, progress);
        var clock = Stopwatch.StartNew();
        var importance = pipeline.Importance(request.BatchSize, cancellation);
        var scores = importance.Value;
        var layers = Enumerable.Range(0, scores.Layers).Select(l =>
        {
            var activation = scores.For(ImportanceMethod.Activation, l);
            return new LayerImportanceSummary(l, activation.Length, activation.Average(), activation.Min(), activation.Max());
        }).ToList();
        return new ImportanceReport(pipeline.Inputs.Checkpoint.Folder, Statistic, scores.CalibrationTokens, importance.FromCache, clock.Elapsed.TotalSeconds,
            importance.File, layers);
    }
}
