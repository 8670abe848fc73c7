using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop variants</c>: one pruned variant per target of lop.yaml, incrementally.</summary>
internal static class VariantsCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config")
        {
            Description = "The lop.yaml to build (default: lop.yaml in the current folder).",
            DefaultValueFactory = _ => new FileInfo("lop.yaml"),
        };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Where the variants go (default: output.path of lop.yaml)." };
        var json = CommonOptions.Json();
        var range = new Option<string?>("--engine-version-range") { Description = "Refuse to run unless this engine's version is in this NuGet version range (the MSBuild package passes the range it supports)." };
        var inputs = new Option<FileInfo?>("--inputs-file") { Description = "Write the files this run reads (model folder, calibration, its images) here, one absolute path a line; the MSBuild package's up-to-date check reads it." };
        var logFormat = new Option<string>(Lop.Contract.EngineDiagnostic.LogFormatOption)
        {
            Description = "text (default), or msbuild: milestone lines as 'lop: info: ...' for the MSBuild package to show at minimal verbosity.",
            DefaultValueFactory = _ => "text",
        };
        logFormat.AcceptOnlyFromAmong("text", Lop.Contract.EngineDiagnostic.MsBuildLogFormat);
        var packages = new Option<string[]>("--artifact-package")
        {
            Description = "A dataset package (a restored package's lop/ folder, or a .nupkg) to import into the cache before anything runs, when it was searched for lop.yaml's model, calibration and settings; repeatable. Lop.Build passes the LopArtifactPackage items.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("variants", "Run the whole pipeline from lop.yaml: importance, search datasets, predictor, then one predicted and pruned variant per target. Cached and incremental.")
        {
            config, output, json, range, inputs, logFormat, packages,
        };
        command.SetAction((result, cancellation) =>
        {
            var report = VariantsJob.Run(new VariantsRequest(result.GetValue(config)!.FullName, result.GetValue(output)?.FullName, result.GetValue(range), result.GetValue(inputs)?.FullName,
                result.GetValue(packages)),
                new ConsoleProgress { TagMilestones = result.GetValue(logFormat) == Lop.Contract.EngineDiagnostic.MsBuildLogFormat }, cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
                return Task.FromResult(0);
            }
            Console.WriteLine($"{report.Variants.Count} variants in {report.OutputFolder} ({report.Seconds:F1} s)");
            Console.WriteLine($"{"target",-16} {"budget",7} {"parameters",12} {"bytes",14} {"held-out ppl",12}  constraint");
            foreach (var v in report.Variants)
            {
                Console.WriteLine($"{v.Target,-16} {v.Budget,7:0.####} {v.Parameters,12:N0} {v.Bytes,14:N0} {v.HeldOutPerplexity,12:F4}  {v.Constraint}: {v.Explanation}{(v.UpToDate ? "  (up to date)" : "")}");
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
