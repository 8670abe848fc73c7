using System.Diagnostics;
using Lop.Core.Progress;
using Lop.Core.Search;

namespace Lop.Core.Jobs;

public sealed record PredictRequest(string ModelFolder, CalibrationOptions Calibration, double Budget, PredictorTraining Training, string DType = "f32", string? CacheFolder = null);

public sealed record PredictReport(double Budget, string Architecture, double[] Ratios, int[] KeptPerLayer, double AchievedRatio, bool TrainedOn, double Milliseconds);

/// <summary><c>dotnet lop predict --ratio R</c>: layer ratios for any budget from one predictor pass, projected onto the exact budget.</summary>
public static class PredictJob
{
    public static PredictReport Run(PredictRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var inputs = JobInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        var (predictor, _, _, _) = PredictorJob.Obtain(inputs, request.Training, request.CacheFolder, progress, cancellation);
        using (predictor)
        {
            var widths = inputs.Checkpoint.Config.IntermediateSizes;
            var clock = Stopwatch.StartNew();
            var projected = Predict(predictor, widths, request.Budget, request.Training.Search);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            return new PredictReport(request.Budget, predictor.Metadata.Architecture.ToString().ToLowerInvariant(), projected.Ratios, projected.Kept,
                1 - (double)projected.Kept.Sum() / widths.Sum(), request.Training.Budgets.Any(b => SearchDataset.SameBudget(b, request.Budget)), elapsed);
        }
    }

    /// <summary>One predictor pass, then projection onto the budget (whole neurons, or whole blocks of <paramref name="granularity"/>; per-layer bounds).</summary>
    internal static BudgetAllocation Predict(Predictor.TrainedPredictor predictor, IReadOnlyList<int> widths, double budget, SearchSettings settings, int granularity = 1) =>
        BudgetProjection.ProjectInBlocks(predictor.Predict(budget), widths, budget, granularity, settings.LowerBound, settings.UpperBound);
}
