using System.Diagnostics;
using Lop.Core.Evaluation;

namespace Lop.Core.Jobs;

/// <summary>Which calibration sequences to evaluate on.</summary>
public enum EvaluationSplit
{
    HeldOut,
    Search,
    All,
}

public sealed record PerplexityRequest(string ModelFolder, CalibrationOptions Calibration, EvaluationSplit Split = EvaluationSplit.HeldOut, int BatchSize = 8, string DType = "f32");

public sealed record PerplexityReport(
    string Model,
    EvaluationSplit Split,
    double Perplexity,
    double MeanNll,
    long Tokens,
    int Sequences,
    double Seconds,
    double TokensPerSecond)
{
    /// <summary>Image+text calibration: perplexity with wrong images minus this one (how much the model uses its images).</summary>
    public double? Gap { get; init; }

    /// <summary>Share of records whose text is likelier with its own image than with the wrong one.</summary>
    public double? ImageAccuracy { get; init; }
}

/// <summary><c>dotnet lop perplexity</c>: exp(mean next-token NLL) over one split of the calibration data.</summary>
public static class PerplexityJob
{
    public static PerplexityReport Run(PerplexityRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var inputs = JobInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        var sequences = request.Split switch
        {
            EvaluationSplit.Search => inputs.Calibration.Search,
            EvaluationSplit.All => [.. inputs.Calibration.Search, .. inputs.Calibration.HeldOut],
            _ => inputs.Calibration.HeldOut,
        };
        var model = inputs.Model(progress);
        var clock = Stopwatch.StartNew();
        var result = LogLikelihood.Evaluate(model, sequences, request.BatchSize,
            new Progress(progress, "perplexity"), cancellation);
        var seconds = clock.Elapsed.TotalSeconds;
        var gap = inputs.Calibration.HasImages ? MultimodalGap.Measure(model, sequences, request.BatchSize, cancellation) : (MultimodalGapResult?)null;
        return new PerplexityReport(inputs.Checkpoint.Folder, request.Split, result.Perplexity, result.MeanNll,
            result.PredictedTokens, sequences.Length, seconds, sequences.Sum(s => (double)s.Length) / seconds)
        {
            Gap = gap?.Gap,
            ImageAccuracy = gap?.ImageAccuracy,
        };
    }

    /// <summary>Adapts batch progress to the job's progress sink (synchronously: IProgress of the BCL would post to the thread pool).</summary>
    internal sealed class Progress(IJobProgress sink, string stage) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => sink.Report(stage, value.Done, value.Total);
    }
}
