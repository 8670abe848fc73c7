using System.CommandLine;
using Lop.Core.Config;

namespace Lop.Cli.Commands;

/// <summary>
/// <c>dotnet lop schema</c>: lop.yaml's JSON Schema, for pointing an editor at a local copy; also how the
/// repository's src/Lop.Core/Config/lop.schema.json is regenerated.
/// </summary>
internal static class SchemaCommand
{
    public static Command Create()
    {
        var output = new Option<FileInfo?>("--out") { Description = "Write it to this file instead of standard output." };
        var command = new Command("schema", "Print the JSON Schema of lop.yaml (completion and checks in editors that use the YAML language server).") { output };
        command.SetAction(result =>
        {
            if (result.GetValue(output) is not { } file)
            {
                Console.Out.Write(LopConfigSchema.Text);
                return 0;
            }
            Lop.Core.Artifacts.AtomicFile.WriteAllText(file.FullName, LopConfigSchema.Text);
            Console.WriteLine($"wrote {file.FullName}");
            return 0;
        });
        return command;
    }
}
