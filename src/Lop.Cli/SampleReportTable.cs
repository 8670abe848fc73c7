using Lop.Samples;

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
        Console.WriteLine("  layer sensitivity: held-out perplexity with only that layer's FFN pruned");
        Console.WriteLine("    layer   50% pruned          90% pruned");
        var dense = report.HeldOutPerplexity;
        var worst = report.LayerSensitivityAt90.Max() - dense;
        for (var l = 0; l < report.LayerSensitivity.Length; l++)
        {
            var at90 = report.LayerSensitivityAt90[l];
            var bar = new string('#', (int)Math.Round(30 * (at90 - dense) / Math.Max(1e-9, worst)));
            Console.WriteLine($"    {l,5}   {report.LayerSensitivity[l]:F3} ({Percent(report.LayerSensitivity[l], dense)})   {at90:F3} ({Percent(at90, dense)}) {bar}");
        }
        var least = Math.Max(1e-9, report.LayerSensitivityAt90.Min() - dense);
        Console.WriteLine($"  spread at 90%: the most sensitive layer costs {worst / least:F0}x the perplexity increase of the least sensitive one");
    }

    private static string Percent(double value, double dense) => $"{100 * (value / dense - 1):+0.0;-0.0;+0.0}%";
}
