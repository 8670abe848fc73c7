using System.Diagnostics;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Progress;

namespace Lop.Benchmarks;

/// <summary>
/// GGUF export (f16 to f16: a byte copy, except q/k rows that llama's NORM rope wants in another order)
/// against cp of the same safetensors shards, on a 7B-shaped F16 checkpoint. Order cp, export, export, cp,
/// so each sees the disk once early and once late; every run starts with the source evicted from the page
/// cache and ends when its output is on disk, and the export runs in a child process whose RSS is sampled.
/// </summary>
internal static class GgufExportBenchmark
{
    private sealed record ExportChildResult(double ExportSeconds, long Bytes, long PeakRssKb);

    private sealed record Timing(string Op, double ReturnSeconds, double FlushSeconds, long? PeakRssKb, long[]? RssSamplesKb)
    {
        public double DurableSeconds => ReturnSeconds + FlushSeconds;
    }

    public static int Run(string[] args)
    {
        var shape = BenchmarkArgs.Flag(args, "--quick") ? CheckpointShape.Llama7BQuick : CheckpointShape.Llama7B;
        var folder = Path.GetFullPath(BenchmarkArgs.Value(args, "--folder") ?? Path.Combine(Path.GetTempPath(), "lop-bench-gguf-export"));
        Directory.CreateDirectory(folder);
        var source = Path.Combine(folder, shape.Name);
        var sourcePresent = File.Exists(Path.Combine(source, "config.json"));
        // The source, one cp copy and one GGUF file exist at once.
        var needed = 3 * shape.Bytes - (sourcePresent ? shape.Bytes : 0);
        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (free < needed)
        {
            Console.WriteLine($"gguf-export needs 3 x {shape.Bytes / 1e9:F1} GB (source, cp copy, GGUF) in {folder}: {needed / 1e9:F1} GB more, but only {free / 1e9:F1} GB is free. "
                + "Use --folder on a larger disk, or --quick.");
            return 1;
        }
        Console.WriteLine($"shape {shape.Name}: hidden {shape.Hidden}, {shape.Layers} layers, FFN {shape.Ffn}, {shape.Heads}/{shape.KvHeads} heads, vocabulary {shape.Vocab}, "
            + $"{shape.DType}, {shape.Bytes / 1e9:F2} GB; {free / 1e9:F1} GB free in {folder}");
        if (!sourcePresent)
        {
            Console.Error.WriteLine($"generating {shape.Name} in {source}");
            SyntheticCheckpoint.Generate(shape, source);
        }
        var shards = Directory.GetFiles(source, "*.safetensors").Order(StringComparer.Ordinal).ToArray();
        var sourceBytes = shards.Sum(s => new FileInfo(s).Length);
        Console.WriteLine("page cache: before each run the source shards are fsynced and dropped from the page cache (posix_fadvise DONTNEED, "
            + "per file: the machine is shared), so both read from disk; each run is timed to its return and again until its output is fsynced; "
            + "outputs are dropped from the cache and deleted after each run.");
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");

        var timings = new List<Timing>();
        foreach (var op in new[] { "cp", "export", "export", "cp" })
        {
            foreach (var shard in shards)
            {
                PageCache.Evict(shard);
            }
            var cached = shards.Sum(PageCache.ResidentBytes);
            var timing = op == "cp" ? Copy(shards, Path.Combine(folder, "cp-copy")) : Export(source, Path.Combine(folder, "export.f16.gguf"));
            Console.Error.WriteLine($"  {op}: {timing.ReturnSeconds:F1} s to return, +{timing.FlushSeconds:F1} s fsync; source cached at start: {cached / 1e6:F0} MB"
                + (timing.PeakRssKb is { } rss ? $"; peak RSS {rss / 1024} MiB" : ""));
            timings.Add(timing);
        }
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine();
        Print(timings, sourceBytes, shape);
        if (!BenchmarkArgs.Flag(args, "--keep"))
        {
            Directory.Delete(source, recursive: true);
        }
        return 0;
    }

    private static Timing Copy(string[] shards, string destination)
    {
        Directory.CreateDirectory(destination);
        var clock = Stopwatch.StartNew();
        using (var process = Process.Start("cp", [.. shards, destination]))
        {
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"cp exited with {process.ExitCode}");
            }
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var copies = Directory.GetFiles(destination);
        var flush = copies.Sum(PageCache.Flush);
        foreach (var copy in copies)
        {
            PageCache.Evict(copy);
        }
        Directory.Delete(destination, recursive: true);
        return new Timing("cp", seconds, flush, null, null);
    }

    private static Timing Export(string source, string output)
    {
        var samples = new List<long>();
        var (result, wall) = ChildProcess.Run<ExportChildResult>("gguf-export-child", [source, output], samples);
        var flush = PageCache.Flush(output);
        PageCache.Evict(output);
        File.Delete(output);
        return new Timing("export", wall, flush, result.PeakRssKb, [.. samples]);
    }

    /// <summary>In the child: export the checkpoint as f16 and report the exporter's own seconds, bytes and peak RSS.</summary>
    public static int Child(string[] args)
    {
        var (source, output) = (args[0], args[1]);
        using var checkpoint = HfCheckpoint.Open(source);
        var report = GgufExporter.Export(checkpoint, output, GgufExportType.F16, SilentProgress.Instance);
        ChildProcess.Report(new ExportChildResult(report.Seconds, report.Bytes, PeakRss.Kilobytes()));
        return 0;
    }

    private static void Print(List<Timing> timings, long sourceBytes, CheckpointShape shape)
    {
        var table = new TextTable("run", "op", "s to return", "GB/s to return", "s to disk (+fsync)", "GB/s to disk", "peak RSS MiB", "RSS samples MiB (min / median / max)");
        for (var i = 0; i < timings.Count; i++)
        {
            var t = timings[i];
            var samples = t.RssSamplesKb is { Length: > 0 } s
                ? $"{s.Min() / 1024} / {Statistics.Median(s.Select(v => (double)v)) / 1024:F0} / {s.Max() / 1024}"
                : "";
            table.Add($"{i + 1}", t.Op, $"{t.ReturnSeconds:F1}", $"{sourceBytes / t.ReturnSeconds / 1e9:F3}", $"{t.DurableSeconds:F1}", $"{sourceBytes / t.DurableSeconds / 1e9:F3}",
                t.PeakRssKb is { } rss ? $"{rss / 1024.0:F0}" : "", samples);
        }
        table.Print(Console.Out);
        Console.WriteLine();
        // Each op ran once early and once late; their mean cancels the position.
        double Rate(string op, Func<Timing, double> seconds) => sourceBytes / timings.Where(t => t.Op == op).Average(seconds);
        foreach (var (label, seconds) in new (string, Func<Timing, double>)[] { ("to return", t => t.ReturnSeconds), ("to disk", t => t.DurableSeconds) })
        {
            var (cp, export) = (Rate("cp", seconds), Rate("export", seconds));
            var ratio = export / cp;
            Console.WriteLine($"{label,-10}: cp {cp / 1e9:F3} GB/s, export {export / 1e9:F3} GB/s, export/cp {ratio:F2} (goal >= 0.7: {(ratio >= 0.7 ? "PASS" : "FAIL")})");
        }
        var peak = timings.Max(t => t.PeakRssKb ?? 0) * 1024L;
        // "Flat, far below the model size": under 5% of it.
        Console.WriteLine($"exporter peak RSS: {peak / 1048576.0:F0} MiB = {100.0 * peak / shape.Bytes:F1}% of the {shape.Bytes / 1e9:F1} GB model (goal: flat, < 5%: {(peak < 0.05 * shape.Bytes ? "PASS" : "FAIL")})");
    }
}
