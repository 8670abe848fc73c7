using System.CommandLine;
using Lop.Core.Config;
using Lop.Core.Errors;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop init</c>: a commented starter lop.yaml.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var path = new Option<FileInfo>("--config") { Description = "Where to write it.", DefaultValueFactory = _ => new FileInfo("lop.yaml") };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("init", "Write a commented starter lop.yaml (every option with its default).") { path, force };
        command.SetAction(result =>
        {
            var file = result.GetValue(path)!;
            if (file.Exists && !result.GetValue(force))
            {
                throw new LopException(ErrorCodes.OutputNotWritable, $"{file.FullName} already exists; pass --force to overwrite it.", file.FullName);
            }
            Lop.Core.Artifacts.AtomicFile.WriteAllText(file.FullName, LopConfigTemplate.Text);
            Console.WriteLine($"wrote {file.FullName}; edit model, calibration and targets, then run: dotnet lop variants");
            return 0;
        });
        return command;
    }
}
