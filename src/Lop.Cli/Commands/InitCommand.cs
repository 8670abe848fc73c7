using System.CommandLine;
using Lop.Core.Config;
using Lop.Core.Errors;

namespace Lop.Cli.Commands;

/// <summary>
/// <c>dotnet lop init</c>: a commented starter lop.yaml, and lop.schema.json beside it, which the starter's first
/// line points editors at (a relative path: the project has no published schema URL, and a copy beside the file
/// always matches the tool that wrote it).
/// </summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var path = new Option<FileInfo>("--config") { Description = "Where to write it.", DefaultValueFactory = _ => new FileInfo("lop.yaml") };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };
        var command = new Command("init", $"Write a commented starter lop.yaml (every option with its default) and {LopConfigSchema.FileName} beside it for editor completion.") { path, force };
        command.SetAction(result =>
        {
            var file = result.GetValue(path)!;
            if (file.Exists && !result.GetValue(force))
            {
                throw new LopException(ErrorCodes.OutputNotWritable, $"{file.FullName} already exists; pass --force to overwrite it.", file.FullName);
            }
            // The schema is the tool's own description of lop.yaml, so it is always brought up to date.
            var schema = Path.Combine(file.DirectoryName!, LopConfigSchema.FileName);
            Lop.Core.Artifacts.AtomicFile.WriteAllText(schema, LopConfigSchema.Text);
            Lop.Core.Artifacts.AtomicFile.WriteAllText(file.FullName, LopConfigTemplate.Text);
            Console.WriteLine($"wrote {file.FullName} and {schema}; edit model, calibration and targets, then run: dotnet lop variants");
            return 0;
        });
        return command;
    }
}
