using Lop.Core.Jobs;

namespace Lop.Cli;

/// <summary>
/// What <c>eval --json</c> prints, and <c>eval --report</c> writes as eval.json: one shape for both. One
/// row per budget and method; a field missing from a row is one that does not concern it (null), so
/// text calibration rows carry no gap and only the rows of the method and budget a timing belongs to carry it.
/// </summary>
internal static class EvalJson
{
    public static IReadOnlyList<Row> Rows(EvalReport report) => report.Rows.Select(r =>
    {
        var fresh = report.Timing?.FreshSearch is { } f && r.Method == "mcts" && f.Budget == r.Budget ? f : null;
        var predictor = report.Timing?.Predictors.FirstOrDefault(p => p.Method == r.Method);
        return new Row(r.Budget, r.Method, r.Perplexity, r.Seconds, r.TrainedOn)
        {
            Gap = r.Gap,
            ImageAccuracy = r.ImageAccuracy,
            FreshSearchSeconds = fresh?.Seconds,
            FreshSearchEvaluations = fresh?.Evaluations,
            FirstCallSeconds = predictor?.FirstCallSeconds,
            WarmSeconds = predictor?.WarmSeconds,
            OneOffSeconds = predictor?.OneOffSeconds,
            Speedup = predictor?.Speedup,
            BreakEvenBudgets = predictor?.BreakEvenBudgets,
        };
    }).ToList();

    /// <summary>The contract's property order: the original five first, additions after.</summary>
    internal sealed record Row(double Budget, string Method, double Perplexity, double Seconds, bool TrainedOn)
    {
        public double? Gap { get; init; }

        public double? ImageAccuracy { get; init; }

        /// <summary>On the mcts row of the budget searched again in this run: that search's wall seconds.</summary>
        public double? FreshSearchSeconds { get; init; }

        public int? FreshSearchEvaluations { get; init; }

        /// <summary>On a predictor's rows: its first prediction in this run.</summary>
        public double? FirstCallSeconds { get; init; }

        /// <summary>On a predictor's rows: the median of its warm predictions.</summary>
        public double? WarmSeconds { get; init; }

        /// <summary>On a predictor's rows: its training budgets' searches plus its training.</summary>
        public double? OneOffSeconds { get; init; }

        /// <summary>On a predictor's rows: fresh search seconds / warm prediction seconds.</summary>
        public double? Speedup { get; init; }

        /// <summary>On a predictor's rows: the budgets after which it has paid for itself.</summary>
        public int? BreakEvenBudgets { get; init; }
    }
}
