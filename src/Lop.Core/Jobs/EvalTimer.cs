using System.Diagnostics;
using System.Globalization;
using Lop.Core.Allocation;
using Lop.Core.Pipeline;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Search;

namespace Lop.Core.Jobs;

/// <summary>
/// eval's timings, taken in its own process so search and prediction are compared under the same load:
/// a search is timed as it runs here, not read from a dataset another run wrote, and a prediction is
/// timed warm, its first call (which builds what the predictor needs) reported apart.
/// </summary>
internal static class EvalTimer
{
    /// <summary>Enough calls for a stable median of a few milliseconds each; far less than one search.</summary>
    private const int WarmCalls = 25;

    public static EvalTiming Measure(ModelPipeline pipeline, EvalRequest request, SearchDataset dataset, IReadOnlyList<PredictorAllocator> predictors,
        IJobProgress progress, CancellationToken cancellation)
    {
        var training = request.Training;
        var fresh = request.FreshSearch && request.Budgets.Count > 0 ? Search(pipeline, request, dataset, progress, cancellation) : null;
        var trainingSearch = training.Budgets.Sum(b => dataset.Find(b)?.Seconds ?? 0);
        var bounds = training.Search.Bounds();
        var timings = new List<PredictorTiming>();
        foreach (var predictor in predictors)
        {
            var first = Time(() => predictor.Allocate(pipeline.Widths, request.Budgets[0], bounds));
            var warm = Median(Enumerable.Range(0, WarmCalls)
                .Select(i => Time(() => predictor.Allocate(pipeline.Widths, request.Budgets[i % request.Budgets.Count], bounds))));
            var timing = new PredictorTiming(predictor.Method, first, warm, trainingSearch, predictor.Metadata.TrainingSeconds);
            if (fresh is not null)
            {
                timing = timing with
                {
                    Speedup = fresh.Seconds / warm,
                    BreakEvenBudgets = timing.OneOffSeconds is { } oneOff ? Payback.BreakEvenBudgets(oneOff, fresh.Seconds, warm) : null,
                };
            }
            timings.Add(timing);
        }
        return new EvalTiming(fresh, timings);
    }

    /// <summary>The first eval budget the predictors were not trained on (else the first), searched with the dataset's settings.</summary>
    private static FreshSearchTiming Search(ModelPipeline pipeline, EvalRequest request, SearchDataset dataset, IJobProgress progress, CancellationToken cancellation)
    {
        var training = request.Training;
        var budget = request.Budgets.FirstOrDefault(b => !training.Budgets.Any(t => SearchDataset.SameBudget(t, b)), request.Budgets[0]);
        var clock = Stopwatch.StartNew();
        var result = pipeline.Search(budget, training.Search, training.RewardSequences, cancellation);
        var seconds = clock.Elapsed.TotalSeconds;
        progress.Info(string.Create(CultureInfo.InvariantCulture,
            $"eval: searched budget {budget:0.###} again in this process, {seconds:F1} s for {result.Evaluations} evaluations"));
        return new FreshSearchTiming(budget, seconds, result.Evaluations, dataset.Find(budget)?.Seconds);
    }

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Time(Func<BudgetAllocation> allocate) => Time(() => { _ = allocate(); });

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
