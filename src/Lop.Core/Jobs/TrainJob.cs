using System.Diagnostics;
using Lop.Core.Pipeline;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Settings;
using Lop.Core.Calibration;

namespace Lop.Core.Jobs;

public sealed record TrainRequest(string ModelFolder, CalibrationOptions Calibration, PredictorTraining Training, string DType = ComputeSettings.DefaultDType, string? CacheFolder = null);

public sealed record TrainReport(string Predictor, string Architecture, double[] TrainingBudgets, int Samples, double FinalLoss, bool FromCache, string DatasetVersion, double Seconds);

/// <summary>
/// <c>dotnet lop train</c>: the dataset for the training budgets (searched if missing), then the
/// predictor, trained on the best configurations of each budget and cached.
/// </summary>
public static class TrainJob
{
    public static TrainReport Run(TrainRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var pipeline = ModelPipeline.Open(request.ModelFolder, request.Calibration, request.DType, request.CacheFolder, progress);
        var clock = Stopwatch.StartNew();
        var predictor = pipeline.Predictor(request.Training, cancellation);
        var meta = predictor.Value.Metadata;
        return new TrainReport(predictor.File, meta.Architecture.ToString().ToLowerInvariant(), meta.TrainingBudgets,
            request.Training.Budgets.Count * request.Training.TopConfigurations, meta.FinalLoss, predictor.FromCache, meta.DatasetVersion ?? "",
            clock.Elapsed.TotalSeconds);
    }
}
