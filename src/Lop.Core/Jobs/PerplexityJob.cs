using System.Diagnostics;
using Lop.Core.Pipeline;
using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Evaluation;
using Lop.Core.Gguf;
using Lop.Core.Settings;
using Lop.Core.Progress;

namespace Lop.Core.Jobs;

/// <summary>Which calibration sequences to evaluate on.</summary>
public enum EvaluationSplit
{
    HeldOut,
    Search,
    All,
}

/// <param name="GgufFile">Also score the same token ids with llama.cpp on this GGUF (the model's export), to compare.</param>
public sealed record PerplexityRequest(string ModelFolder, CalibrationOptions Calibration, EvaluationSplit Split = EvaluationSplit.HeldOut, int BatchSize = ComputeSettings.DefaultBatchSize, string DType = ComputeSettings.DefaultDType, string? GgufFile = null);

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

    /// <summary>With a GGUF: llama.cpp's figures on the same token ids.</summary>
    public GgufPerplexity? Gguf { get; init; }
}

/// <summary>llama.cpp's perplexity of a GGUF on the sequences the engine scored, and how far it is from the engine's.</summary>
/// <param name="RelativeDifference">(llama.cpp perplexity - engine perplexity) / engine perplexity.</param>
public sealed record GgufPerplexity(string File, double Perplexity, double MeanNll, long Tokens, double RelativeDifference);

/// <summary><c>dotnet lop perplexity</c>: exp(mean next-token NLL) over one split of the calibration data.</summary>
public static class PerplexityJob
{
    public static PerplexityReport Run(PerplexityRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var inputs = ModelInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        if (request.GgufFile is { } ggufFile && inputs.Calibration.HasImages)
        {
            // The scorer feeds token ids; image positions need the vision tower through mtmd, which it does not run.
            throw new LopException(ErrorCodes.GgufScoringUnsupported,
                "--gguf scores text calibration only; this calibration has images (score the LLaVA variant's text with a text calibration file)", ggufFile);
        }
        var sequences = request.Split switch
        {
            EvaluationSplit.Search => inputs.Calibration.Search,
            EvaluationSplit.All => [.. inputs.Calibration.Search, .. inputs.Calibration.HeldOut],
            _ => inputs.Calibration.HeldOut,
        };
        var model = inputs.Model(progress);
        var clock = Stopwatch.StartNew();
        var result = LogLikelihood.Evaluate(model, sequences, request.BatchSize,
            new StageProgress(progress, "perplexity"), cancellation);
        var seconds = clock.Elapsed.TotalSeconds;
        var gap = inputs.Calibration.HasImages ? MultimodalGap.Measure(model, sequences, request.BatchSize, cancellation) : (MultimodalGapResult?)null;
        return new PerplexityReport(inputs.Checkpoint.Folder, request.Split, result.Perplexity, result.MeanNll,
            result.PredictedTokens, sequences.Length, seconds, sequences.Sum(s => (double)s.Length) / seconds)
        {
            Gap = gap?.Gap,
            ImageAccuracy = gap?.ImageAccuracy,
            Gguf = request.GgufFile is { } file ? ScoreGguf(file, sequences, result.Perplexity, progress, cancellation) : null,
        };
    }

    private static GgufPerplexity ScoreGguf(string file, CalibrationSequence[] sequences, double enginePerplexity, IJobProgress progress, CancellationToken cancellation)
    {
        var path = Path.GetFullPath(file);
        using var scorer = LlamaCppScorer.Open(path, sequences.Max(s => s.Length));
        var score = scorer.Score(sequences, new StageProgress(progress, "perplexity (llama.cpp)"), cancellation);
        return new GgufPerplexity(path, score.Perplexity, score.MeanNll, score.PredictedTokens, (score.Perplexity - enginePerplexity) / enginePerplexity);
    }
}
