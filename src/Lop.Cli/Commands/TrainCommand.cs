using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop train</c>: the budget-to-ratios predictor, trained on the search datasets.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var training = new TrainingOptions();
        var dtype = CommonOptions.DType();
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("train", "Train the predictor that maps a global budget to layer-wise ratios (searching the training budgets first if needed). Cached.");
        command.Options.Add(model);
        calibration.AddTo(command);
        training.AddTo(command);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var report = TrainJob.Run(new TrainRequest(result.GetValue(model)!.FullName, calibration.Bind(result), training.Bind(result),
                result.GetValue(dtype)!, result.GetValue(cache)?.FullName), new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                Console.WriteLine($"{report.Architecture} predictor trained on budgets {string.Join(", ", report.TrainingBudgets)} ({report.Samples} configurations, dataset v{report.DatasetVersion}): final loss {report.FinalLoss:G3}{(report.FromCache ? " (cached)" : $", {report.Seconds:F1} s")}");
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
