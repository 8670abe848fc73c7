using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop search</c>: MCTS datasets for the training budgets, cached and versioned.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var training = new TrainingOptions();
        var dtype = CommonOptions.DType();
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("search", "Monte Carlo Tree Search for good layer-wise ratios at each budget; every evaluated configuration is kept in a versioned dataset.");
        command.Options.Add(model);
        calibration.AddTo(command);
        training.AddTo(command, architecture: false);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var t = training.Bind(result);
            var report = SearchJob.Run(new SearchRequest(result.GetValue(model)!.FullName, calibration.Bind(result), t.Budgets, t.Search, t.RewardSequences,
                result.GetValue(dtype)!, result.GetValue(cache)?.FullName), new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
                return Task.FromResult(0);
            }
            Console.WriteLine($"dataset {report.DatasetKey[..12]} v{report.DatasetVersion}");
            Console.WriteLine("budget  evaluations  seconds  uniform ppl  best ppl  best ratios");
            foreach (var b in report.Budgets)
            {
                Console.WriteLine($"{b.Budget,6:0.###}  {b.Evaluations,11}  {b.Seconds,7:F1}  {b.UniformPerplexity,11:F4}  {b.BestPerplexity,8:F4}  {string.Join(" ", b.BestRatios.Select(r => r.ToString("0.00")))}{(b.FromCache ? "  (cached)" : "")}");
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
