using System.CommandLine;
using System.Globalization;
using Lop.Core.Errors;
using Lop.Core.Importance;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop prune</c>: write a structurally pruned variant in the source's own format.</summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var ratio = new Option<double?>("--ratio") { Description = "One pruning ratio for every layer (fraction of FFN neurons removed)." };
        var ratios = new Option<string?>("--ratios") { Description = "Per-layer ratios, comma separated, one per layer." };
        var budget = new Option<double?>("--budget") { Description = "A global budget whose layer-wise ratios the LOP predictor chooses (trained and cached on first use)." };
        var visionRatio = new Option<double?>("--vision-ratio")
        {
            Description = "Also prune the vision tower's FFNs (LLaVA, Qwen2-VL, Qwen2.5-VL with image+text calibration): this fraction of each vision layer's neurons, by activation importance on the calibration images.",
        };
        var granularity = new Option<int>("--granularity")
        {
            Description = "With --budget: kept widths in multiples of this many neurons (a quantization block: 32 for q8_0, 256 for k-quants), reduced to one that divides every width.",
            DefaultValueFactory = _ => 1,
        };
        var training = new TrainingOptions();
        var method = new Option<ImportanceMethod>("--importance")
        {
            Description = "Which neuron score picks the kept neurons: activation (LOP), magnitude, wanda or flap.",
            DefaultValueFactory = _ => ImportanceMethod.Activation,
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the variant to (replaced if it holds an earlier variant).", Required = true };
        var batch = CommonOptions.BatchSize();
        var dtype = CommonOptions.DType();
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("prune", "Remove the least important FFN neurons of each layer and write the variant as a Hugging Face folder with a manifest.");
        command.Options.Add(model);
        calibration.AddTo(command);
        command.Options.Add(ratio);
        command.Options.Add(ratios);
        command.Options.Add(budget);
        training.AddTo(command);
        command.Options.Add(method);
        command.Options.Add(visionRatio);
        command.Options.Add(granularity);
        command.Options.Add(output);
        command.Options.Add(batch);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            if (new object?[] { result.GetValue(ratio), result.GetValue(ratios), result.GetValue(budget) }.Count(v => v is not null) != 1)
            {
                throw new LopException(ErrorCodes.InvalidArgument, "give exactly one of --ratio R (every layer), --ratios r1,...,rL (one per layer) or --budget R (layer ratios from the LOP predictor).");
            }
            var request = new PruneRequest(
                result.GetValue(model)!.FullName,
                calibration.Bind(result),
                result.GetValue(ratio),
                ParseRatios(result.GetValue(ratios)),
                result.GetValue(method),
                result.GetValue(output)!.FullName,
                result.GetValue(batch),
                result.GetValue(dtype)!,
                result.GetValue(cache)?.FullName,
                result.GetValue(budget) is double b ? TrainingOptions.ParseBudgets("--budget", b.ToString(System.Globalization.CultureInfo.InvariantCulture))[0] : null,
                training.Bind(result))
            {
                VisionRatio = result.GetValue(visionRatio),
                Granularity = result.GetValue(granularity),
            };
            var report = PruneJob.Run(request, new ConsoleProgress(), cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                Console.WriteLine($"wrote {report.Output}: {report.FfnNeuronsKept}/{report.FfnNeurons} FFN neurons kept ({report.AchievedRatio:P1} pruned), {report.ParametersAfter:N0} of {report.ParametersBefore:N0} parameters, {report.BytesWritten:N0} bytes in {report.Seconds:F1} s");
                Console.WriteLine("kept per layer: " + string.Join(" ", report.KeptPerLayer));
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static double[]? ParseRatios(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new LopException(ErrorCodes.InvalidRatio, $"--ratios: '{parts[i]}' (position {i + 1}) is not a number; write ratios like 0.3,0.5,0.4.");
            }
        }
        return values;
    }
}
