using System.Diagnostics;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Progress;
using Lop.Core.Pruning;

namespace Lop.Benchmarks;

/// <summary>
/// Variant writing against cp on the same files, alternating (cp, lop, cp, lop) so both see the same
/// page-cache conditions; the write runs in a child process so its peak RSS is its own.
/// </summary>
internal static class VariantWritingBenchmark
{
    public static int Run(string[] args)
    {
        var folder = BenchmarkArgs.Value(args, "--folder") ?? Path.Combine(Path.GetTempPath(), "lop-bench");
        var requested = BenchmarkArgs.Value(args, "--shape") ?? "qwen2.5-7b";
        Directory.CreateDirectory(folder);
        var free = new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
        var candidates = CheckpointShape.Known.SkipWhile(s => s.Name != requested).ToList();
        // Source, one cp copy and one ~0.7x variant at a time, plus 10% headroom.
        var shape = candidates.FirstOrDefault(s => s.Bytes * 2.8 < free);
        if (shape is null)
        {
            Console.WriteLine($"not enough free disk in {folder} ({free / 1e9:F1} GB) even for the smallest shape");
            return 1;
        }
        if (shape.Name != requested)
        {
            Console.WriteLine($"note: {free / 1e9:F1} GB free is too little for {requested}; using {shape.Name} instead");
        }
        var source = Path.Combine(folder, shape.Name);
        if (!File.Exists(Path.Combine(source, "config.json")))
        {
            Console.WriteLine($"generating synthetic {shape.Name} ({shape.Bytes / 1e9:F2} GB BF16, {shape.Layers} layers, FFN {shape.Ffn}) in {source}");
            SyntheticCheckpoint.Generate(shape, source);
        }
        var copy = Path.Combine(folder, "cp-copy");
        var variant = Path.Combine(folder, "variant-0.5");
        var cpRuns = new List<double>();
        var lopRuns = new List<ChildResult>();
        for (var round = 0; round < 2; round++)
        {
            cpRuns.Add(TimeCp(source, copy));
            lopRuns.Add(RunChild(source, variant));
        }
        var cp = cpRuns.Min();
        var best = lopRuns.MinBy(r => r.Seconds)!;
        var sourceBytes = shape.Bytes;
        Console.WriteLine();
        Console.WriteLine($"shape {shape.Name}: {sourceBytes / 1e9:F2} GB source, 50% FFN variant {best.BytesWritten / 1e9:F2} GB");
        Console.WriteLine($"cp -r       : {string.Join(" / ", cpRuns.Select(s => $"{s:F1} s"))}  -> {sourceBytes / cp / 1e6:F0} MB/s of source");
        Console.WriteLine($"lop variant : {string.Join(" / ", lopRuns.Select(r => $"{r.Seconds:F1} s"))}  -> {sourceBytes / best.Seconds / 1e6:F0} MB/s of source");
        Console.WriteLine($"throughput ratio (lop / cp, source bytes per second, best of each): {cp / best.Seconds:F2}  (goal >= 0.7)");
        Console.WriteLine($"peak RSS of the writing process: {lopRuns.Max(r => r.PeakRssKb) / 1024.0:F0} MiB  (goal < 1024 MiB)");
        if (!args.Contains("--keep"))
        {
            Directory.Delete(copy, recursive: true);
            Directory.Delete(variant, recursive: true);
        }
        return 0;
    }

    /// <summary>In the child: write the variant and report seconds, bytes and peak RSS as JSON.</summary>
    public static int Child(string[] args)
    {
        var (source, destination) = (args[0], args[1]);
        using var checkpoint = HfCheckpoint.Open(source);
        var widths = checkpoint.Config.IntermediateSizes;
        var random = new Random(7);
        var scores = new ImportanceScores(
            Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => widths.Select(w => Enumerable.Range(0, w).Select(_ => random.NextDouble()).ToArray()).ToArray()),
            calibrationTokens: 0);
        var plan = PruningPlan.Create(scores, Enumerable.Repeat(0.5, widths.Length).ToArray());
        // Not checkpoint.Fingerprint(): it reads every weight byte (the engine does so once, before writing, and
        // remembers the digests), which here would be timed with the write and warm the source just evicted.
        const string fingerprint = "benchmark";
        var clock = Stopwatch.StartNew();
        var result = VariantWriter.Write(checkpoint, plan, (before, after) => VariantManifest.Create(plan, source, fingerprint, null, before, after), destination, SilentProgress.Instance);
        var seconds = clock.Elapsed.TotalSeconds;
        ChildProcess.Report(new ChildResult(seconds, result.BytesWritten, PeakRss.Kilobytes()));
        return 0;
    }

    internal sealed record ChildResult(double Seconds, long BytesWritten, long PeakRssKb);

    private static ChildResult RunChild(string source, string destination)
    {
        var (result, _) = ChildProcess.Run<ChildResult>("variant-writing-child", source, destination);
        Console.WriteLine($"  lop variant: {result.Seconds:F1} s, peak RSS {result.PeakRssKb / 1024} MiB");
        return result;
    }

    private static double TimeCp(string source, string destination)
    {
        if (Directory.Exists(destination))
        {
            Directory.Delete(destination, recursive: true);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start("cp", ["-r", source, destination]);
        process.WaitForExit();
        // cp returns when data is in the page cache, as our writer does; neither forces it to disk.
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  cp -r: {seconds:F1} s");
        return seconds;
    }
}
