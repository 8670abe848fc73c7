using System.Diagnostics;
using Lop.Core.Allocation;
using Lop.Core.Errors;
using Lop.Core.Evaluation;
using Lop.Core.Pipeline;
using Lop.Core.Importance;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Calibration;

namespace Lop.Core.Jobs;

public sealed record EvalRequest(
    string ModelFolder,
    CalibrationOptions Calibration,
    IReadOnlyList<double> Budgets,
    PredictorTraining Training,
    IReadOnlyList<PredictorArchitecture> Architectures,
    int BatchSize = ComputeSettings.DefaultBatchSize,
    string DType = ComputeSettings.DefaultDType,
    string? CacheFolder = null,
    bool FreshSearch = true);

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

    /// <summary>Search and prediction timed in this run, and what the predictors cost up front.</summary>
    public EvalTiming? Timing { get; init; }
}

/// <summary>
/// <c>dotnet lop eval</c>: for each budget, the layer ratios every allocation method chooses
/// (uniform, OWL, FLAP, the best MCTS configuration, LOP's predictors), all projected onto the same
/// exact neuron count, scored on the held-out split that neither importance nor search ever saw, with
/// the time each took to decide. Every row keeps each layer's neurons by LOP's activation importance,
/// except "flap", which is FLAP as its paper prunes FFNs: its ratios, the neurons with the highest
/// fluctuation metric, and the removed neurons' mean output added back as a bias. "flap-ratios" is
/// FLAP's ratios alone, with LOP's neurons and no bias, so the two rows separate the allocation from the rest.
/// </summary>
public static class EvalJob
{
    public static EvalReport Run(EvalRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var pipeline = ModelPipeline.Open(request.ModelFolder, request.Calibration, request.DType, request.CacheFolder, progress);
        var inputs = pipeline.Inputs;
        var training = request.Training;
        var widths = pipeline.Widths;
        var bounds = training.Search.Bounds();
        var searchBudgets = training.Budgets.Concat(request.Budgets).Distinct().Order().ToList();
        var dataset = pipeline.Dataset(searchBudgets, training.Search, training.RewardSequences, cancellation).Dataset.Value;
        var predictors = request.Architectures
            .Select(a => pipeline.LopAllocator(training with { Predictor = training.Predictor with { Architecture = a } }, cancellation))
            .ToList();
        var scores = pipeline.Importance(request.BatchSize, cancellation).Value;
        var owl = new OwlAllocator(scores);
        if (owl.IsUniform)
        {
            progress.Warn(ErrorCodes.OwlUniform, "OWL allocates uniformly: every layer has the same share of outlier neurons (Wanda score above 5x the layer mean), so its rows equal uniform's. More or longer calibration sequences may separate the layers.");
        }
        var flap = new FlapAllocator(scores);
        var methods = new List<EvalMethod>
        {
            EvalMethod.Ratios(new UniformAllocator(widths.Count)),
            EvalMethod.Ratios(owl),
            new("flap", flap, NeuronSelection.Flap),
            new("flap-ratios", flap, NeuronSelection.Activation),
            EvalMethod.Ratios(new SearchedAllocator(dataset)),
        };
        methods.AddRange(predictors.Select(EvalMethod.Ratios));
        // Before the rows: the predictors' first calls are timed here, so their rows below are warm calls.
        var timing = EvalTimer.Measure(pipeline, request, dataset, predictors, progress, cancellation);

        var evaluator = inputs.Evaluator(scores, progress);
        evaluator.Use(NeuronSelection.Activation);
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
        var total = request.Budgets.Count * methods.Count;
        foreach (var budget in request.Budgets)
        {
            var trainedOn = training.Budgets.Any(b => SearchDataset.SameBudget(b, budget));
            foreach (var (name, allocator, selection) in methods)
            {
                var clock = Stopwatch.StartNew();
                var allocation = allocator.Allocate(widths, budget, bounds);
                var seconds = allocator.SecondsSpentBefore(budget) ?? clock.Elapsed.TotalSeconds;
                // Re-sorting the neurons when the selection changes permutes weights once per row: cheap beside the evaluation.
                evaluator.Use(selection);
                var (perplexity, gap) = Score(allocation.Kept);
                rows.Add(new EvalRow(budget, name, perplexity, seconds, trainedOn, allocation.Ratios, allocation.Kept)
                {
                    Gap = gap?.Gap,
                    ImageAccuracy = gap?.ImageAccuracy,
                });
                progress.Report("eval", rows.Count, total, $"{budget:0.##} {name}: {perplexity:F4}{(gap is { } g ? $", gap {g.Gap:F3}, image accuracy {g.ImageAccuracy:P0}" : "")}");
            }
        }
        return new EvalReport(dense, training.Budgets.ToArray(), rows) { DenseGap = denseGap?.Gap, DenseImageAccuracy = denseGap?.ImageAccuracy, Timing = timing };
    }

    /// <summary>One row of the table: its name, the allocator that spreads the budget, and how each layer's neurons are chosen.</summary>
    private sealed record EvalMethod(string Name, ILayerAllocator Allocator, NeuronSelection Selection)
    {
        /// <summary>An allocation method alone: its ratios, LOP's neurons.</summary>
        public static EvalMethod Ratios(ILayerAllocator allocator) => new(allocator.Method, allocator, NeuronSelection.Activation);
    }
}
