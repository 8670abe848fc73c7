using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop datasets merge DIR... [--model DIR] [--cache DIR]</c>: shard fragments into the versioned dataset.</summary>
internal static class DatasetsMergeCommand
{
    public static Command Create()
    {
        var folders = new Argument<DirectoryInfo[]>("folders")
        {
            Description = "Folders the search shards wrote with --out (searched recursively for *.fragment.json).",
            Arity = ArgumentArity.OneOrMore,
        };
        var model = new Option<DirectoryInfo?>("--model")
        {
            Description = "Optional: refuse fragments searched on any other model than this one (by fingerprint). Without it, the fragments must agree among themselves.",
        };
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("merge",
            "Fold search fragments into the cache's versioned dataset: a set union (merging again changes nothing), the same whatever the order; a fragment of another model, calibration or setting is refused.")
        {
            folders, model, cache, json,
        };
        command.SetAction(result =>
        {
            var report = DatasetMergeJob.Run(new DatasetMergeRequest(result.GetValue(folders)!.Select(f => f.FullName).ToList(),
                result.GetValue(model)?.FullName, result.GetValue(cache)?.FullName), new ConsoleProgress());
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
                return 0;
            }
            Console.WriteLine($"dataset {report.DatasetKey[..12]} v{report.DatasetVersion}{(report.Changed ? $" ({report.TreesAdded} tree(s) added from {report.Fragments} fragment(s))" : " (unchanged: it already held every fragment)")}");
            Console.WriteLine("budget  trees  configurations  best ppl");
            foreach (var b in report.Budgets)
            {
                Console.WriteLine($"{b.Budget,6:0.###}  {b.Trees,5}  {b.Records,14}  {b.BestPerplexity,8:F4}");
            }
            return 0;
        });
        return command;
    }
}
