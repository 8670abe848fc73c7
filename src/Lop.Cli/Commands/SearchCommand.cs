using System.CommandLine;
using Lop.Core.Errors;
using Lop.Core.Jobs;
using Lop.Core.Shards;

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
        var shard = new Option<string?>("--shard")
        {
            Description = "Run only shard i/N of the search units (unit k = (budget, tree) goes to shard k mod N; 0 <= i < N) and write one fragment per unit to --out. " +
                $"Without it, --out takes the shard from {ShardSpec.IndexVariable}/{ShardSpec.CountVariable}, Azure Pipelines' {ShardSpec.AzurePositionVariable}/{ShardSpec.AzureTotalVariable} " +
                $"or Kubernetes' {ShardSpec.KubernetesIndexVariable} with {ShardSpec.CountVariable}, else runs every unit.",
        };
        var output = new Option<DirectoryInfo?>("--out")
        {
            Description = "Write this shard's fragments here (content-addressed JSON) instead of the cache's dataset; fold them in with 'dotnet lop datasets merge'.",
        };
        var command = new Command("search", "Monte Carlo Tree Search for good layer-wise ratios at each budget; every evaluated configuration is kept in a versioned dataset.");
        command.Options.Add(model);
        calibration.AddTo(command);
        training.AddTo(command, architecture: false);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(json);
        command.Options.Add(shard);
        command.Options.Add(output);
        command.SetAction((result, cancellation) =>
        {
            var t = training.Bind(result);
            var request = new SearchRequest(result.GetValue(model)!.FullName, calibration.Bind(result), t.Budgets, t.Search, t.RewardSequences,
                result.GetValue(dtype)!, result.GetValue(cache)?.FullName);
            if (result.GetValue(output) is { } outFolder)
            {
                var spec = result.GetValue(shard) is { } text ? ShardSpec.Parse(text) : ShardSpec.FromEnvironment(Environment.GetEnvironmentVariable) ?? ShardSpec.Whole;
                return Task.FromResult(WriteShard(ShardSearchJob.Run(new ShardSearchRequest(request, spec, outFolder.FullName), new ConsoleProgress(), cancellation), result.GetValue(json)));
            }
            if (result.GetValue(shard) is not null)
            {
                throw new LopException(ErrorCodes.ShardSpecInvalid, "--shard: a shard writes fragments, not the cache's dataset; add --out DIR (and merge the folders with 'dotnet lop datasets merge').");
            }
            var report = SearchJob.Run(request, new ConsoleProgress(), cancellation);
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

    private static int WriteShard(ShardSearchReport report, bool json)
    {
        if (json)
        {
            JsonOutput.Write(report);
            return 0;
        }
        Console.WriteLine($"shard {report.Index}/{report.Count} ({report.ShardSource}): {report.Units} of {report.UnitsTotal} units, dataset {report.DatasetKey[..12]}");
        Console.WriteLine("budget  tree  evaluations  seconds  best ppl  fragment");
        foreach (var f in report.Fragments)
        {
            Console.WriteLine($"{f.Budget,6:0.###}  {f.Tree,4}  {f.Evaluations,11}  {f.Seconds,7:F1}  {f.BestPerplexity,8:F4}  {f.Fragment}{(f.FromEarlierRun ? "  (earlier run)" : "")}");
        }
        return 0;
    }
}
