using System.CommandLine;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop datasets ...</c>: search datasets beyond one machine's cache.</summary>
internal static class DatasetsCommand
{
    public static Command Create()
    {
        var command = new Command("datasets", "Work with search datasets: merge search shards' fragments into the cache.");
        command.Subcommands.Add(DatasetsMergeCommand.Create());
        return command;
    }
}
