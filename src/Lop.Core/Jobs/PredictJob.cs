using System.Diagnostics;
using Lop.Core.Allocation;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Calibration;

namespace Lop.Core.Jobs;

public sealed record PredictRequest(string ModelFolder, CalibrationOptions Calibration, double Budget, PredictorTraining Training, string DType = ComputeSettings.DefaultDType, string? CacheFolder = null);

public sealed record PredictReport(double Budget, string Architecture, double[] Ratios, int[] KeptPerLayer, double AchievedRatio, bool TrainedOn, double Milliseconds);

/// <summary><c>dotnet lop predict --ratio R</c>: layer ratios for any budget from one predictor pass, projected onto the exact budget.</summary>
public static class PredictJob
{
    public static PredictReport Run(PredictRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var pipeline = ModelPipeline.Open(request.ModelFolder, request.Calibration, request.DType, request.CacheFolder, progress);
        var lop = pipeline.LopAllocator(request.Training, cancellation);
        var widths = pipeline.Widths;
        var clock = Stopwatch.StartNew();
        var allocation = lop.Allocate(widths, request.Budget, request.Training.Search.Bounds());
        var elapsed = clock.Elapsed.TotalMilliseconds;
        return new PredictReport(request.Budget, request.Training.Predictor.Architecture.ToString().ToLowerInvariant(), allocation.Ratios, allocation.Kept,
            1 - (double)allocation.TotalKept / widths.Sum(), request.Training.Budgets.Any(b => SearchDataset.SameBudget(b, request.Budget)), elapsed);
    }
}
