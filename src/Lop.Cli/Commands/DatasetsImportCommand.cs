using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop datasets import PACKAGE-OR-FOLDER...</c>: a dataset package's entries into the cache, verified.</summary>
internal static class DatasetsImportCommand
{
    public static Command Create()
    {
        var packages = new Argument<string[]>("package")
        {
            Description = "A .nupkg made by `datasets pack`, a folder NuGet restored one to, or its lop/ folder.",
            Arity = ArgumentArity.OneOrMore,
        };
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("import", "Import dataset packages into the artifact cache (after checking their digest), so search, train, predict and variants find them.")
        {
            packages, cache, json,
        };
        command.SetAction(result =>
        {
            var reports = DatasetImportJob.Run(new DatasetImportRequest(result.GetValue(packages)!, result.GetValue(cache)?.FullName), new ConsoleProgress());
            if (result.GetValue(json))
            {
                JsonOutput.Write(reports);
                return 0;
            }
            foreach (var report in reports)
            {
                Console.WriteLine($"{report.Id} {report.Version}: budgets {string.Join(", ", report.Budgets)}");
                foreach (var entry in report.Entries)
                {
                    Console.WriteLine($"  {entry.Kind,-10} {entry.Key[..12]}  v{entry.Version,-8} {(entry.AlreadyCached ? "already cached" : "imported")}");
                }
            }
            return 0;
        });
        return command;
    }
}
