using System.CommandLine;
using Lop.Core.Jobs;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop importance</c>: per-neuron FFN importance, computed once and cached.</summary>
internal static class ImportanceCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var calibration = new CommonOptions.CalibrationBinding();
        var batch = CommonOptions.BatchSize();
        var dtype = CommonOptions.DType();
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("importance", "Score every FFN neuron on the search split of the calibration data (activation RMS at the down_proj input; also magnitude, Wanda and FLAP scores). Cached.");
        command.Options.Add(model);
        calibration.AddTo(command);
        command.Options.Add(batch);
        command.Options.Add(dtype);
        command.Options.Add(cache);
        command.Options.Add(json);
        command.SetAction((result, cancellation) =>
        {
            var report = ImportanceJob.Run(
                new ImportanceRequest(result.GetValue(model)!.FullName, calibration.Bind(result), result.GetValue(batch), result.GetValue(dtype)!, result.GetValue(cache)?.FullName),
                new ConsoleProgress(),
                cancellation);
            if (result.GetValue(json))
            {
                JsonOutput.Write(report);
            }
            else
            {
                Console.WriteLine($"importance of {report.Layers.Sum(l => l.Width)} FFN neurons in {report.Layers.Count} layers from {report.CalibrationTokens} tokens ({(report.FromCache ? "cached" : $"{report.Seconds:F1} s")}): {report.CacheFile}");
                Console.WriteLine("layer  width  mean activation RMS  min  max");
                foreach (var layer in report.Layers)
                {
                    Console.WriteLine($"{layer.Layer,5}  {layer.Width,5}  {layer.MeanActivation,19:G4}  {layer.MinActivation:G3}  {layer.MaxActivation:G3}");
                }
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
