using System.Diagnostics;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Allocation;
using Lop.Core.Errors;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Settings;
using Lop.Core.Calibration;

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
    int BatchSize = ComputeSettings.DefaultBatchSize,
    string DType = ComputeSettings.DefaultDType,
    string? CacheFolder = null,
    double? Budget = null,
    PredictorTraining? Training = null)
{
    /// <summary>Also prune this fraction of every vision-tower FFN (LLaVA, Qwen2-VL, Qwen2.5-VL with image+text calibration); null keeps the tower.</summary>
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
        if (request.VisionRatio is double requestedVisionRatio)
        {
            // Before the model is even opened: a bad ratio costs no importance pass.
            PruningPlan.ValidateVisionRatio(requestedVisionRatio);
        }
        using var pipeline = ModelPipeline.Open(request.ModelFolder, request.Calibration, request.DType, request.CacheFolder, progress);
        var inputs = pipeline.Inputs;
        var layers = inputs.Checkpoint.Config.NumLayers;
        if (request.VisionRatio is not null)
        {
            RequireVisionInputs(inputs);
        }
        // The allocation first: bad ratios fail before any tensor work.
        var allocation = request.Budget is double budget
            ? Predicted(pipeline, budget, request, progress, cancellation)
            : Given(request.Ratios?.ToArray() ?? Enumerable.Repeat(request.Ratio ?? 0, layers).ToArray(), pipeline.Widths);
        var plan = PruningPlan.Create(pipeline.Importance(request.BatchSize, cancellation).Value, allocation, request.Method);
        if (request.VisionRatio is double visionRatio)
        {
            plan = WithVision(inputs, plan, visionRatio, request.BatchSize, progress, cancellation);
        }
        var written = VariantWriter.Write(inputs.Checkpoint, plan, (before, after) => inputs.Describe(VariantManifest.Create(plan, inputs.Checkpoint.Folder, pipeline.Fingerprint, inputs.Calibration.ContentHash, before, after), plan), request.Output, progress, cancellation);
        return new PruneReport(written.Folder, request.Method.ToString().ToLowerInvariant(), plan.Ratios.ToArray(), plan.AchievedRatio, plan.KeptCounts,
            plan.Widths.Sum(), plan.KeptCounts.Sum(), written.ParametersBefore, written.ParametersAfter, written.BytesWritten, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The vision tower's FFNs pruned too, scored on the calibration images (cheap: one tower pass per image).</summary>
    internal static PruningPlan WithVision(ModelInputs inputs, PruningPlan plan, double ratio, int batchSize, IJobProgress progress, CancellationToken cancellation)
    {
        RequireVisionInputs(inputs);
        var model = (IVisionLanguageModel)inputs.Model(progress);
        var scores = VisionImportance.Score(model, inputs.Calibration.Search, batchSize, cancellation);
        return plan.WithVision(scores, ratio);
    }

    /// <summary>A vision tower and images to score it on, checked from the config and calibration before any tensor work.</summary>
    private static void RequireVisionInputs(ModelInputs inputs)
    {
        var config = inputs.Checkpoint.Config;
        if ((config.Multimodal is null && config.QwenVision is null) || !inputs.Calibration.HasImages)
        {
            throw new LopException(ErrorCodes.InvalidArgument,
                "vision FFN pruning needs a vision-language model (LLaVA, Qwen2-VL, Qwen2.5-VL) and image+text calibration (the tower's neurons are scored on the calibration images); "
                + "drop --vision-ratio, or give a calibration file of image+text records.");
        }
    }

    private static BudgetAllocation Given(double[] ratios, IReadOnlyList<int> widths)
    {
        PruningPlan.Validate(ratios, widths.Count);
        return BudgetAllocation.FromRatios(ratios, widths);
    }

    /// <summary>LOP's allocation for the budget, in whole blocks of the (effective) granularity.</summary>
    private static BudgetAllocation Predicted(ModelPipeline pipeline, double budget, PruneRequest request, IJobProgress progress, CancellationToken cancellation)
    {
        var training = request.Training ?? throw new ArgumentException("a budget needs predictor training settings");
        var granularity = BudgetProjection.EffectiveGranularity(pipeline.Widths, request.Granularity);
        var allocation = pipeline.LopAllocator(training, cancellation).Allocate(pipeline.Widths, budget, training.Search.Bounds(), granularity);
        progress.Info($"predicted ratios for budget {budget}: {string.Join(" ", allocation.Ratios.Select(r => r.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))}");
        return allocation;
    }
}
