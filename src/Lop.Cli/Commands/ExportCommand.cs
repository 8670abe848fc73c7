using System.CommandLine;
using Lop.Core.Gguf;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop export</c>: writes a model (dense or variant) as GGUF for llama.cpp / LLamaSharp.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var output = new Option<FileInfo>("--out") { Description = "The GGUF file to write (a LLaVA model also gets FILE.mmproj.gguf).", Required = true };
        var type = new Option<string>("--type")
        {
            Description = $"Weight type: {GgufExportType.Names} (quantized types are made by llama.cpp's quantizer).",
            DefaultValueFactory = _ => "f16",
        };
        var json = CommonOptions.Json();
        var command = new Command("export", "Write a model folder (dense or a pruned variant) as a GGUF file that llama.cpp and LLamaSharp load.");
        command.Options.Add(model);
        command.Options.Add(output);
        command.Options.Add(type);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var report = ExportJob.Run(new ExportRequest(result.GetValue(model)!.FullName, result.GetValue(output)!.FullName, result.GetValue(type)!),
                new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                Console.WriteLine($"{report.Output}: {report.Bytes:N0} bytes, {report.Type}, llama.cpp architecture {report.Architecture} ({report.ArchitectureReason})"
                    + (report.Mmproj is null ? "" : $"; vision tower and projector: {report.Mmproj} ({report.MmprojBytes:N0} bytes)"));
                foreach (var fallback in report.Fallbacks)
                {
                    Console.WriteLine($"  {fallback.Tensor}: stored as {fallback.Type} ({fallback.Reason})");
                }
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
