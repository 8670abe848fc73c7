using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary>
/// <c>dotnet lop datasets pack</c>: takes the options <c>search</c> takes (so it finds the dataset that command made)
/// and <c>--architecture</c>, <c>--epochs</c>, <c>--top</c> (so <c>--include predictor</c> finds the one <c>train</c> made).
/// </summary>
internal static class DatasetsPackCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var training = new TrainingOptions();
        var dtype = CommonOptions.DType();
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder the .nupkg is written to (e.g. a local feed).", Required = true };
        var id = new Option<string?>("--id") { Description = "Package id (default: the model's Hugging Face name or folder name, then .Lop.Datasets)." };
        var include = new Option<string?>("--include") { Description = "Also pack these cache entries: importance, predictor, or importance,predictor." };
        var command = new Command("pack", "Pack the cached search dataset of a model, calibration and search settings as a NuGet package (version = the dataset's).");
        command.Options.Add(model);
        calibration.AddTo(command);
        training.AddTo(command);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(output);
        command.Options.Add(id);
        command.Options.Add(include);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var includes = result.GetValue(include)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
            var report = DatasetPackJob.Run(new DatasetPackRequest(result.GetValue(model)!.FullName, calibration.Bind(result), training.Bind(result),
                result.GetValue(output)!.FullName, includes, result.GetValue(id), result.GetValue(dtype)!, result.GetValue(cache)?.FullName), new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
                return Task.FromResult(0);
            }
            Console.WriteLine($"{report.Id} {report.Version} ({report.Bytes:N0} bytes) -> {report.Package}");
            Console.WriteLine($"budgets {string.Join(", ", report.Budgets)}; {string.Join(", ", report.Entries.Select(e => $"{e.Kind} {e.Key[..12]} v{e.Version}"))}; digest {report.Digest[..12]}");
            return Task.FromResult(0);
        });
        return command;
    }
}
