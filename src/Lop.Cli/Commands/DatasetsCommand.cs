using System.CommandLine;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop datasets pack | import</c>: search datasets through a team's NuGet feed.</summary>
internal static class DatasetsCommand
{
    public static Command Create()
    {
        var command = new Command("datasets", "Share search datasets as NuGet packages: pack one from the cache, import one into it.");
        command.Subcommands.Add(DatasetsPackCommand.Create());
        command.Subcommands.Add(DatasetsImportCommand.Create());
        return command;
    }
}
