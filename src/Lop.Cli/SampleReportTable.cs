using Lop.Core.Jobs;

namespace Lop.Cli;

/// <summary>Human output of sample-model: quality against a baseline, and how unequal the layers are.</summary>
internal static class SampleReportTable
{
    public static void Print(SampleModelReport report)
    {
        var s = report.Settings;
        Console.WriteLine($"sample model: {report.ModelFolder}");
        Console.WriteLine($"  {s.Layers} layers, hidden {s.HiddenSize}, FFN {s.IntermediateSize}, {s.Heads} heads ({s.KvHeads} kv), {report.Parameters:N0} parameters; {(report.FromCache ? "reused" : $"trained in {report.TrainSeconds:F0} s")}");
        Console.WriteLine($"  calibration: {report.CalibrationFile} ({report.CalibrationBytes:N0} bytes, text from assemblies not used in training)");
        Console.WriteLine($"  held-out perplexity {report.HeldOutPerplexity:F3} vs unigram baseline {report.UnigramPerplexity:F3}");
        Console.WriteLine($"  layer sensitivity (perplexity with only that layer's FFN {report.SensitivityRatio:P0} pruned):");
        var min = report.LayerSensitivity.Min();
        for (var l = 0; l < report.LayerSensitivity.Length; l++)
        {
            var value = report.LayerSensitivity[l];
            var bar = new string('#', (int)Math.Round(40 * (value - report.HeldOutPerplexity) / Math.Max(1e-9, report.LayerSensitivity.Max() - report.HeldOutPerplexity)));
            Console.WriteLine($"    layer {l,2}: {value:F3} (+{100 * (value / report.HeldOutPerplexity - 1):F1}%) {bar}");
        }
        var most = report.LayerSensitivity.Max() - report.HeldOutPerplexity;
        var least = Math.Max(1e-9, min - report.HeldOutPerplexity);
        Console.WriteLine($"  spread: pruning the most sensitive layer costs {most / least:F0}x the perplexity increase of the least sensitive one, so layer-wise allocation matters");
    }
}
