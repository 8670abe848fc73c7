using System.CommandLine;
using Lop.Core.Jobs;
using Lop.Core.Sample;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop sample-model</c>: train the built-in sample here, deterministically.</summary>
internal static class SampleModelCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the sample: model/ (HF folder), calibration.txt, sample-report.json.", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Training steps (default: the built-in schedule)." };
        var force = new Option<bool>("--force") { Description = "Train again even if the folder already holds this sample." };
        var json = CommonOptions.Json();
        var command = new Command("sample-model", "Train the built-in sample: a 12-layer byte-level LLaMA-architecture model on the .NET SDK's own documentation text (CPU, a few minutes, deterministic).");
        command.Options.Add(output);
        command.Options.Add(steps);
        command.Options.Add(force);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var settings = new SampleModelSettings();
            if (result.GetValue(steps) is int s)
            {
                settings = settings with { Steps = s };
            }
            var report = SampleModelJob.Run(result.GetValue(output)!.FullName, settings, result.GetValue(force), new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                SampleReportTable.Print(report);
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
