using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop perplexity</c>: next-token perplexity of a model on calibration data.</summary>
internal static class PerplexityCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var split = new Option<EvaluationSplit>("--split")
        {
            Description = "Which calibration sequences: held-out (default), search, or all.",
            DefaultValueFactory = _ => EvaluationSplit.HeldOut,
        };
        var batch = CommonOptions.BatchSize();
        var dtype = CommonOptions.DType();
        var gguf = new Option<FileInfo?>("--gguf")
        {
            Description = "Also score the same token ids with llama.cpp on this GGUF (the model exported, e.g. a variant's model.gguf) and print both perplexities; text calibration only.",
        };
        var json = CommonOptions.Json();
        var command = new Command("perplexity", "Next-token perplexity of a model (dense or a variant) on calibration data.");
        command.Options.Add(model);
        calibration.AddTo(command);
        command.Options.Add(split);
        command.Options.Add(batch);
        command.Options.Add(dtype);
        command.Options.Add(gguf);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var progress = new ConsoleProgress();
            var report = PerplexityJob.Run(
                new PerplexityRequest(result.GetValue(model)!.FullName, calibration.Bind(result), result.GetValue(split), result.GetValue(batch), result.GetValue(dtype)!,
                    result.GetValue(gguf)?.FullName),
                progress,
                cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                Console.WriteLine($"perplexity {report.Perplexity:F4} on {report.Tokens} predicted tokens ({report.Sequences} {SplitName(report.Split)} sequences), {report.TokensPerSecond:F0} tokens/s"
                    + (report.Gap is { } gap ? $"; multimodal gap {gap:F4} (wrong-image minus true-image perplexity), image accuracy {report.ImageAccuracy:P1}" : ""));
                if (report.Gguf is { } llamaCpp)
                {
                    Console.WriteLine($"llama.cpp on {llamaCpp.File}: perplexity {llamaCpp.Perplexity:F4} on the same {llamaCpp.Tokens} tokens; engine {report.Perplexity:F4}, relative difference {llamaCpp.RelativeDifference:+0.0000%;-0.0000%}");
                }
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static string SplitName(EvaluationSplit split) => split switch
    {
        EvaluationSplit.HeldOut => "held-out",
        EvaluationSplit.Search => "search",
        _ => "calibration",
    };
}
