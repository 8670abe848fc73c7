using System.CommandLine;
using Lop.Cli.Reports;
using Lop.Core.Jobs;
using Lop.Core.Predictor;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop eval</c>: allocation methods side by side, on held-out data, with the time each took.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var training = new TrainingOptions();
        // A budget is the fraction of all FFN neurons removed; --ratios is the name older scripts use.
        var evalBudgets = new Option<string>("--eval-budgets", "--ratios")
        {
            Description = "Budgets to evaluate every allocation at, e.g. 0.2,0.3,0.4,0.5,0.6 (--budgets are the ones the predictor is trained on).",
            DefaultValueFactory = _ => "0.2,0.3,0.4,0.5,0.6",
        };
        var architectures = new Option<string>("--predictors")
        {
            Description = "Predictor architectures to compare (transformer is 'lop').",
            DefaultValueFactory = _ => "transformer,encoder,mlp,bilstm",
        };
        var noFreshSearch = new Option<bool>("--no-fresh-search")
        {
            Description = "Skip searching one budget again in this run (the search time compared with prediction then comes from the cached dataset only).",
        };
        var batch = CommonOptions.BatchSize();
        var dtype = CommonOptions.DType();
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var reportFolder = new Option<DirectoryInfo>("--report")
        {
            Description = "Also write a report into this folder: eval.json (as --json prints it), perplexity.svg/.png by budget "
                + "(and gap.svg/.png for image+text calibration), widths-<budget>.svg/.png (kept FFN neurons per layer, LOP against uniform), "
                + "and index.html, a self-contained page with the charts and the table.",
            HelpName = "DIR",
        };
        var command = new Command("eval", "Held-out perplexity of uniform, OWL, FLAP (its ratios, neurons and bias compensation), FLAP's ratios alone (flap-ratios), best-MCTS and LOP allocations at each budget, and the seconds each took to choose its ratios.");
        command.Options.Add(model);
        calibration.AddTo(command);
        command.Options.Add(evalBudgets);
        training.AddTo(command, architecture: false);
        command.Options.Add(architectures);
        command.Options.Add(noFreshSearch);
        command.Options.Add(batch);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(json);
        command.Options.Add(reportFolder);
        command.SetAction((result, cancellation) =>
        {
            var budgets = TrainingOptions.ParseBudgets("--eval-budgets", result.GetValue(evalBudgets)!);
            var chosen = result.GetValue(architectures)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(a => Enum.Parse<PredictorArchitecture>(a, ignoreCase: true)).ToList();
            var report = EvalJob.Run(new EvalRequest(result.GetValue(model)!.FullName, calibration.Bind(result), budgets, training.Bind(result), chosen,
                result.GetValue(batch), result.GetValue(dtype)!, result.GetValue(cache)?.FullName, FreshSearch: !result.GetValue(noFreshSearch)), new ConsoleProgress(), cancellation);
            if (result.GetValue(reportFolder) is { } folder)
            {
                var written = EvalReportWriter.Write(report, folder.FullName);
                // On stderr, so that --json's stdout stays one JSON document.
                Console.Error.WriteLine($"lop: report: {written.Count} files in {folder.FullName} (open index.html)");
            }
            if (result.GetValue(json))
            {
                JsonOutput.Write(EvalJson.Rows(report));
                return Task.FromResult(0);
            }
            EvalTable.Print(report);
            return Task.FromResult(0);
        });
        return command;
    }
}
