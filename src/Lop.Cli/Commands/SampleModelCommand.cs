using System.CommandLine;
using Lop.Samples;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop sample-model</c>: train the built-in sample here, deterministically.</summary>
internal static class SampleModelCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the sample: model/ (HF folder), calibration.txt, sample-report.json.", Required = true };
        var steps = new Option<int?>("--steps") { Description = "Training steps (default: the built-in schedule)." };
        var force = new Option<bool>("--force") { Description = "Train again even if the folder already holds this sample." };
        var multimodal = new Option<bool>("--multimodal")
        {
            Description = "Train the multimodal sample instead: a LLaVA-architecture model (SigLIP-style ViT, projector, 8-layer decoder) on rendered scenes, "
                + "written with images/*.png and calibration.jsonl.",
        };
        var architecture = new Option<string>("--architecture")
        {
            Description = "With --multimodal: llava (default) or qwen2.5-vl (a tiny windowed Qwen2.5-VL tower and Qwen2 decoder on the same scenes and schedule).",
            DefaultValueFactory = _ => "llava",
        };
        architecture.AcceptOnlyFromAmong("llava", QwenVlSampleJob.Architecture);
        var json = CommonOptions.Json();
        var command = new Command("sample-model", "Train the built-in sample: a 12-layer byte-level LLaMA-architecture model on the .NET SDK's own documentation text (CPU, a few minutes, deterministic).");
        command.Options.Add(output);
        command.Options.Add(steps);
        command.Options.Add(force);
        command.Options.Add(multimodal);
        command.Options.Add(architecture);
        command.Options.Add(json);
        command.Validators.Add(result =>
        {
            // Given on the command line, not its default: a validator runs before defaults are applied.
            if (result.GetResult(architecture) is { Implicit: false } && !result.GetValue(multimodal))
            {
                result.AddError("--architecture chooses the multimodal sample's architecture; add --multimodal.");
            }
        });
        command.SetAction((result, cancellation) =>
        {
            if (result.GetValue(multimodal) && result.GetValue(architecture) == QwenVlSampleJob.Architecture)
            {
                return Task.FromResult(RunQwenVl(result.GetValue(output)!.FullName, result.GetValue(steps), result.GetValue(force), result.GetValue(json), cancellation));
            }
            if (result.GetValue(multimodal))
            {
                return Task.FromResult(RunMultimodal(result.GetValue(output)!.FullName, result.GetValue(steps), result.GetValue(force), result.GetValue(json), cancellation));
            }
            var settings = new SampleModelSettings();
            if (result.GetValue(steps) is int s)
            {
                settings = settings with { Steps = s };
            }
            var report = SampleModelJob.Run(result.GetValue(output)!.FullName, settings, result.GetValue(force), new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                SampleReportTable.Print(report);
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static int RunMultimodal(string folder, int? steps, bool force, bool json, CancellationToken cancellation)
    {
        var settings = new MultimodalSampleSettings();
        if (steps is int s)
        {
            settings = settings with { Steps = s };
        }
        var report = MultimodalSampleJob.Run(folder, settings, force, new ConsoleProgress(), cancellation);
        if (json)
        {
            JsonOutput.Write(report);
            return 0;
        }
        Console.WriteLine($"multimodal sample in {report.Folder}{(report.FromCache ? " (reused)" : "")}");
        Console.WriteLine($"  LLaVA: {(settings.VisionType == Lop.Core.Models.VisionConfig.Siglip ? "SigLIP" : "CLIP")}-style ViT {settings.VisionLayers} layers x {settings.VisionHidden}, decoder {settings.Layers} layers x {settings.HiddenSize}, "
            + $"{report.Parameters:N0} parameters ({report.VisionParameters:N0} in the vision tower and projector)");
        Console.WriteLine($"  trained {settings.Steps} steps in {report.TrainSeconds:F0} s, final caption loss {report.FinalTrainingLoss:F3}");
        Console.WriteLine($"  held-out caption perplexity: true image {report.TrueImagePerplexity:F3}, wrong image {report.WrongImagePerplexity:F3}, gap {report.Gap:F3}; image accuracy {report.ImageAccuracy:P1}");
        var captions = report.TestCaptions;
        Console.WriteLine($"  greedy captions of the {captions.Scenes} test scenes (engine): {captions.Exact:P0} exact; count {captions.Count:P0}, colour {captions.Colour:P0}, shape {captions.Shape:P0}, position {captions.Position:P0}");
        Console.WriteLine($"  perplexity with half of one layer's FFN removed: {string.Join(" ", report.LayerSensitivity.Select(p => p.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"  calibration: {report.CalibrationFile} ({report.CalibrationRecords} image+caption records)");
        return 0;
    }

    private static int RunQwenVl(string folder, int? steps, bool force, bool json, CancellationToken cancellation)
    {
        var settings = new QwenVlSampleSettings();
        if (steps is int s)
        {
            settings = settings with { Steps = s };
        }
        var report = QwenVlSampleJob.Run(folder, settings, force, new ConsoleProgress(), cancellation);
        if (json)
        {
            JsonOutput.Write(report);
            return 0;
        }
        Console.WriteLine($"multimodal sample in {report.Folder}{(report.FromCache ? " (reused)" : "")}");
        Console.WriteLine($"  Qwen2.5-VL: windowed ViT {settings.VisionLayers} blocks x {settings.VisionHidden} (patch {settings.PatchSize}, merge {settings.MergeSize}), decoder {settings.Layers} layers x {settings.HiddenSize}, "
            + $"{report.Parameters:N0} parameters ({report.VisionParameters:N0} in the vision tower and merger)");
        Console.WriteLine($"  trained {settings.Steps} steps in {report.TrainSeconds:F0} s, final caption loss {report.FinalTrainingLoss:F3}");
        Console.WriteLine($"  held-out caption perplexity: true image {report.TrueImagePerplexity:F3}, wrong image {report.WrongImagePerplexity:F3}, gap {report.Gap:F3}; image accuracy {report.ImageAccuracy:P1}");
        Console.WriteLine($"  perplexity with half of one layer's FFN removed: {string.Join(" ", report.LayerSensitivity.Select(p => p.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"  calibration: {report.CalibrationFile} ({report.CalibrationRecords} image+caption records)");
        return 0;
    }
}
