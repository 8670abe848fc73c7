using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop predict --budget B</c>: layer ratios for one budget in one predictor pass.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var training = new TrainingOptions();
        // --ratio is the name older scripts use; a budget is global, a ratio belongs to one layer.
        var budgetOption = new Option<double>("--budget", "--ratio") { Description = "Global budget: the fraction of all FFN neurons to remove.", Required = true };
        var dtype = CommonOptions.DType();
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("predict", "Predict layer-wise pruning ratios for a global budget (trains the predictor first if it is not cached).");
        command.Options.Add(model);
        calibration.AddTo(command);
        command.Options.Add(budgetOption);
        training.AddTo(command);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var budget = TrainingOptions.ParseBudgets("--budget", result.GetValue(budgetOption).ToString(System.Globalization.CultureInfo.InvariantCulture))[0];
            var report = PredictJob.Run(new PredictRequest(result.GetValue(model)!.FullName, calibration.Bind(result), budget, training.Bind(result),
                result.GetValue(dtype)!, result.GetValue(cache)?.FullName), new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                Console.WriteLine($"budget {report.Budget} ({report.Architecture}, {(report.TrainedOn ? "a training budget" : "not a training budget")}, {report.Milliseconds:F1} ms): {report.AchievedRatio:P2} of FFN neurons removed");
                Console.WriteLine("ratios: " + string.Join(" ", report.Ratios.Select(r => r.ToString("0.000"))));
                Console.WriteLine("kept:   " + string.Join(" ", report.KeptPerLayer));
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
