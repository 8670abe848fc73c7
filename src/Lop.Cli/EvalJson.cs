using Lop.Core.Jobs;

namespace Lop.Cli;

/// <summary>What <c>eval --json</c> prints, and <c>eval --report</c> writes as eval.json: one shape for both.</summary>
internal static class EvalJson
{
    public static object Rows(EvalReport report) => report.DenseGap is null
        ? report.Rows.Select(r => new { r.Budget, r.Method, r.Perplexity, r.Seconds, r.TrainedOn }).ToList<object>()
        // Image+text calibration adds the multimodal gap (wrong-image minus true-image perplexity).
        : report.Rows.Select(r => new { r.Budget, r.Method, r.Perplexity, r.Seconds, r.TrainedOn, r.Gap, r.ImageAccuracy }).ToList<object>();
}
