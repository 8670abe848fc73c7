using System.Diagnostics;
using Lop.Core.Allocation;
using Lop.Core.Evaluation;
using Lop.Core.Importance;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Search;

namespace Lop.Core.Jobs;

public sealed record EvalRequest(
    string ModelFolder,
    CalibrationOptions Calibration,
    IReadOnlyList<double> Budgets,
    PredictorTraining Training,
    IReadOnlyList<PredictorArchitecture> Architectures,
    int BatchSize = 8,
    string DType = "f32",
    string? CacheFolder = null);

/// <summary>
/// One row of <c>dotnet lop eval --json</c>; the property names are a stable contract. With image+text
/// calibration, <see cref="Gap"/> is the held-out perplexity with wrong images minus that with the true
/// ones (how much the variant still uses its eyes); null for text calibration.
/// </summary>
public sealed record EvalRow(double Budget, string Method, double Perplexity, double Seconds, bool TrainedOn, double[] Ratios, int[] Kept)
{
    public double? Gap { get; init; }

    /// <summary>Share of held-out records whose caption is likelier with its own image than with the wrong one.</summary>
    public double? ImageAccuracy { get; init; }
}

public sealed record EvalReport(double DensePerplexity, double[] TrainingBudgets, IReadOnlyList<EvalRow> Rows)
{
    /// <summary>The dense model's multimodal gap (image+text calibration only).</summary>
    public double? DenseGap { get; init; }

    public double? DenseImageAccuracy { get; init; }
}

/// <summary>
/// <c>dotnet lop eval</c>: for each budget, the layer ratios every allocation method chooses
/// (uniform, OWL, FLAP, the best MCTS configuration, LOP's predictors), all projected onto the same
/// exact neuron count and all keeping the same neurons by LOP's activation importance, scored on the
/// held-out split that neither importance nor search ever saw, with the time each took to decide.
/// </summary>
public static class EvalJob
{
    public static EvalReport Run(EvalRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var inputs = JobInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        var training = request.Training;
        var widths = inputs.Checkpoint.Config.IntermediateSizes;
        var searchBudgets = training.Budgets.Concat(request.Budgets).Distinct().Order().ToList();
        var (dataset, _, _, _) = SearchJob.Obtain(inputs, searchBudgets, training.Search, training.RewardSequences, request.CacheFolder, progress, cancellation);
        var predictors = request.Architectures
            .Select(a => (Name: MethodName(a), Predictor: PredictorJob.Obtain(inputs, training with { Predictor = training.Predictor with { Architecture = a } }, request.CacheFolder, progress, cancellation).Predictor))
            .ToList();
        var (scores, _, _) = ImportanceJob.Obtain(inputs, request.BatchSize, request.CacheFolder, progress, cancellation);
        var evaluator = inputs.Evaluator(scores, progress);
        evaluator.UseMethod(ImportanceMethod.Activation);
        var heldOut = inputs.Calibration.HeldOut;
        // Image+text calibration: the true-image perplexity comes with the wrong-image one (the gap).
        (double Perplexity, MultimodalGapResult? Gap) Score(IReadOnlyList<int> kept)
        {
            if (!inputs.Calibration.HasImages)
            {
                return (evaluator.Evaluate(kept, heldOut, request.BatchSize, cancellation).Perplexity, null);
            }
            var gap = evaluator.MeasureGap(kept, heldOut, request.BatchSize, cancellation);
            return (gap.TrueImagePerplexity, gap);
        }
        var (dense, denseGap) = Score(widths);

        var rows = new List<EvalRow>();
        var total = request.Budgets.Count * (4 + predictors.Count);
        foreach (var budget in request.Budgets)
        {
            var trainedOn = training.Budgets.Any(b => SearchDataset.SameBudget(b, budget));
            var candidates = new List<(string Method, Func<BudgetAllocation> Decide, double? KnownSeconds)>
            {
                ("uniform", () => Project(BaselineAllocations.Uniform(widths.Length, budget), widths, budget, training.Search), null),
                ("owl", () => Project(BaselineAllocations.Owl(scores, budget), widths, budget, training.Search), null),
                ("flap", () => Project(BaselineAllocations.Flap(scores, budget), widths, budget, training.Search), null),
                ("mcts", () => Project(dataset.Find(budget)!.Best.Ratios, widths, budget, training.Search), dataset.Find(budget)!.Seconds),
            };
            candidates.AddRange(predictors.Select(p => (p.Name, (Func<BudgetAllocation>)(() => PredictJob.Predict(p.Predictor, widths, budget, training.Search)), (double?)null)));
            foreach (var (method, decide, knownSeconds) in candidates)
            {
                var clock = Stopwatch.StartNew();
                var projected = decide();
                var seconds = knownSeconds ?? clock.Elapsed.TotalSeconds;
                var (perplexity, gap) = Score(projected.Kept);
                rows.Add(new EvalRow(budget, method, perplexity, seconds, trainedOn, projected.Ratios, projected.Kept) { Gap = gap?.Gap, ImageAccuracy = gap?.ImageAccuracy });
                progress.Report("eval", rows.Count, total, $"{budget:0.##} {method}: {perplexity:F4}{(gap is { } g ? $", gap {g.Gap:F3}, image accuracy {g.ImageAccuracy:P0}" : "")}");
            }
        }
        foreach (var (_, predictor) in predictors)
        {
            predictor.Dispose();
        }
        return new EvalReport(dense, training.Budgets.ToArray(), rows) { DenseGap = denseGap?.Gap, DenseImageAccuracy = denseGap?.ImageAccuracy };
    }

    public static string MethodName(PredictorArchitecture architecture) => architecture switch
    {
        PredictorArchitecture.Transformer => "lop",
        PredictorArchitecture.Encoder => "lop-encoder",
        PredictorArchitecture.Mlp => "lop-mlp",
        _ => "lop-bilstm",
    };

    private static BudgetAllocation Project(double[] ratios, IReadOnlyList<int> widths, double budget, SearchSettings settings) =>
        BudgetProjection.Project(ratios, widths, budget, settings.LowerBound, settings.UpperBound);
}
