using System.Diagnostics;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Errors;
using Lop.Core.Progress;
using Lop.Core.Pruning;

namespace Lop.Core.Jobs;

/// <param name="Ratio">one ratio for every layer, or null</param>
/// <param name="Ratios">one ratio per layer, or null</param>
/// <param name="Budget">a global budget whose layer ratios the LOP predictor chooses, or null</param>
public sealed record PruneRequest(
    string ModelFolder,
    CalibrationOptions Calibration,
    double? Ratio,
    IReadOnlyList<double>? Ratios,
    ImportanceMethod Method,
    string Output,
    int BatchSize = 8,
    string DType = "f32",
    string? CacheFolder = null,
    double? Budget = null,
    PredictorTraining? Training = null)
{
    /// <summary>Also prune this fraction of every vision-tower FFN (LLaVA with image+text calibration); null keeps the tower.</summary>
    public double? VisionRatio { get; init; }

    /// <summary>With a budget: kept widths in multiples of this (a quantization block), reduced to one dividing every width.</summary>
    public int Granularity { get; init; } = 1;
}

public sealed record PruneReport(
    string Output,
    string Importance,
    double[] Ratios,
    double AchievedRatio,
    int[] KeptPerLayer,
    long FfnNeurons,
    long FfnNeuronsKept,
    long ParametersBefore,
    long ParametersAfter,
    long BytesWritten,
    double Seconds);

/// <summary><c>dotnet lop prune</c>: importance (cached), then a streamed variant with its manifest.</summary>
public static class PruneJob
{
    public static PruneReport Run(PruneRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        using var inputs = JobInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        var layers = inputs.Checkpoint.Config.NumLayers;
        var ratios = request.Budget is double budget
            ? Predicted(inputs, budget, request.Training ?? throw new ArgumentException("a budget needs predictor training settings"),
                Search.BudgetProjection.EffectiveGranularity(inputs.Checkpoint.Config.IntermediateSizes, request.Granularity), request.CacheFolder, progress, cancellation)
            : request.Ratios?.ToArray() ?? Enumerable.Repeat(request.Ratio ?? 0, layers).ToArray();
        PruningPlan.Validate(ratios, layers);
        var (scores, _, _) = ImportanceJob.Obtain(inputs, request.BatchSize, request.CacheFolder, progress, cancellation);
        var plan = PruningPlan.Create(scores, ratios, request.Method);
        if (request.VisionRatio is double visionRatio)
        {
            plan = WithVision(inputs, plan, visionRatio, request.BatchSize, progress, cancellation);
        }
        var fingerprint = inputs.Checkpoint.Fingerprint();
        var written = VariantWriter.Write(inputs.Checkpoint, plan, (before, after) => inputs.Describe(VariantManifest.Create(plan, inputs.Checkpoint.Folder, fingerprint, inputs.Calibration.ContentHash, before, after), plan), request.Output, progress, cancellation);
        return new PruneReport(written.Folder, request.Method.ToString().ToLowerInvariant(), ratios, plan.AchievedRatio, plan.KeptCounts,
            plan.Widths.Sum(), plan.KeptCounts.Sum(), written.ParametersBefore, written.ParametersAfter, written.BytesWritten, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The vision tower's FFNs pruned too, scored on the calibration images (cheap: one tower pass per image).</summary>
    internal static PruningPlan WithVision(JobInputs inputs, PruningPlan plan, double ratio, int batchSize, IJobProgress progress, CancellationToken cancellation)
    {
        if (inputs.Model(progress) is not LlavaModel llava || !inputs.Calibration.HasImages)
        {
            throw new LopException(ErrorCodes.InvalidArgument,
                "vision FFN pruning needs a LLaVA model and image+text calibration (the tower's neurons are scored on the calibration images).");
        }
        var scores = VisionImportance.Score(llava, inputs.Calibration.Search, batchSize, cancellation);
        return plan.WithVision(scores, ratio);
    }

    private static double[] Predicted(JobInputs inputs, double budget, PredictorTraining training, int granularity, string? cacheFolder, IJobProgress progress, CancellationToken cancellation)
    {
        var (predictor, _, _, _) = PredictorJob.Obtain(inputs, training, cacheFolder, progress, cancellation);
        using (predictor)
        {
            var allocation = PredictJob.Predict(predictor, inputs.Checkpoint.Config.IntermediateSizes, budget, training.Search, granularity);
            progress.Info($"predicted ratios for budget {budget}: {string.Join(" ", allocation.Ratios.Select(r => r.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}");
            return allocation.Ratios;
        }
    }
}
