namespace Lop.Core.Jobs;

/// <summary>
/// What eval measured of time, all in its own process: one budget searched again (null when skipped
/// with <c>--no-fresh-search</c>) and each predictor's first and warm predictions. Part of the
/// <c>--json</c> contract: fields may be added, never renamed.
/// </summary>
public sealed record EvalTiming(FreshSearchTiming? FreshSearch, IReadOnlyList<PredictorTiming> Predictors);

/// <param name="Budget">the budget searched again, with the dataset's settings, not written to the cache</param>
/// <param name="Seconds">wall seconds of that search, in this process</param>
/// <param name="Evaluations">candidates it evaluated: the uniform root and one per simulation</param>
/// <param name="DatasetSeconds">what the dataset recorded for the same budget (another run, maybe another machine load)</param>
public sealed record FreshSearchTiming(double Budget, double Seconds, int Evaluations, double? DatasetSeconds);

/// <param name="Method">as in the rows ("lop", "lop-mlp", ...)</param>
/// <param name="FirstCallSeconds">the predictor's first allocation in this process (builds and warms what it needs)</param>
/// <param name="WarmSeconds">median of repeated allocations after the first: the per-budget cost</param>
/// <param name="TrainingSearchSeconds">the training budgets' search seconds, as the dataset recorded them</param>
/// <param name="TrainingSeconds">the training loop, from the predictor's metadata (null in predictors trained before it was recorded)</param>
public sealed record PredictorTiming(string Method, double FirstCallSeconds, double WarmSeconds, double TrainingSearchSeconds, double? TrainingSeconds)
{
    /// <summary>The predictor's one-off cost: its training budgets' searches plus its training.</summary>
    public double? OneOffSeconds => TrainingSeconds is { } training ? TrainingSearchSeconds + training : null;

    /// <summary>Fresh search seconds / warm prediction seconds; null without a fresh search.</summary>
    public double? Speedup { get; init; }

    /// <summary>Budgets after which the predictor has paid for itself (<see cref="Payback.BreakEvenBudgets"/>); null without a fresh search or one-off cost, or if never.</summary>
    public int? BreakEvenBudgets { get; init; }
}
