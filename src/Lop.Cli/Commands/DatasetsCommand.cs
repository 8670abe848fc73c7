using System.CommandLine;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop datasets merge | pack | import</c>: search datasets beyond one machine's cache (shards, a team's NuGet feed).</summary>
internal static class DatasetsCommand
{
    public static Command Create()
    {
        var command = new Command("datasets", "Search datasets beyond one cache: merge search shards' fragments, pack a dataset as a NuGet package, import one.");
        command.Subcommands.Add(DatasetsMergeCommand.Create());
        command.Subcommands.Add(DatasetsPackCommand.Create());
        command.Subcommands.Add(DatasetsImportCommand.Create());
        return command;
    }
}
