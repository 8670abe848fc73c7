using System.Diagnostics;
using Lop.Core.Artifacts;
using Lop.Core.Formats;

namespace Lop.Benchmarks;

/// <summary>
/// The model fingerprint reads every weight byte (XxHash128 per shard): how close that comes to just
/// reading the files (cat FILES &gt; /dev/null, in the same run, on the same files), from disk and from
/// the page cache, and what a second fingerprint costs when the digest cache answers.
/// </summary>
internal static class FingerprintBenchmark
{
    /// <summary>LLaMA-2-7B's layer shape (F16), 6 of its 32 layers and a sixteenth of the vocabulary: ~2.5 GB.</summary>
    private static readonly CheckpointShape Shape = CheckpointShape.Llama7BQuick with { Name = "llama-7b-6layers-f16", Layers = 6 };

    public static int Run(string[] args)
    {
        var shape = BenchmarkArgs.Flag(args, "--quick") ? CheckpointShape.Llama7BQuick : Shape;
        var folder = Path.GetFullPath(BenchmarkArgs.Value(args, "--folder") ?? Path.Combine(Path.GetTempPath(), "lop-bench-fingerprint"));
        Directory.CreateDirectory(folder);
        var source = Path.Combine(folder, shape.Name);
        if (!File.Exists(Path.Combine(source, "config.json")))
        {
            var free = new DriveInfo(folder).AvailableFreeSpace;
            if (free < 2 * shape.Bytes)
            {
                Console.WriteLine($"fingerprint needs {shape.Bytes / 1e9:F1} GB and as much again spare in {folder}, but only {free / 1e9:F1} GB is free; use --folder or --quick.");
                return 1;
            }
            Console.Error.WriteLine($"generating {shape.Name} in {source}");
            SyntheticCheckpoint.Generate(shape, source);
        }
        var shards = Directory.GetFiles(source, "*.safetensors").Order(StringComparer.Ordinal).ToArray();
        // A downloaded model's mtime is old; a file modified moments ago is never answered from the digest cache.
        foreach (var shard in shards)
        {
            File.SetLastWriteTimeUtc(shard, DateTime.UtcNow.AddHours(-1));
        }
        var bytes = shards.Sum(s => new FileInfo(s).Length);
        Console.WriteLine($"shape {shape.Name}: {shards.Length} shard(s), {bytes / 1e9:F2} GB; load average {File.ReadAllText("/proc/loadavg").Trim()}");

        var rows = new List<(string Op, string Cache, double Seconds)>();
        foreach (var cold in new[] { true, false })
        {
            var state = cold ? "evicted" : "cached";
            // Alternating, three of each: the disk is shared, and one run's neighbours say little about the next.
            foreach (var op in new[] { "cat", "digest", "digest", "cat", "cat", "digest" })
            {
                foreach (var shard in shards)
                {
                    if (cold)
                    {
                        PageCache.Evict(shard);
                    }
                    else
                    {
                        Cat([shard]);
                    }
                }
                var resident = shards.Sum(PageCache.ResidentBytes);
                var seconds = op == "cat" ? Cat(shards) : Digest(source, cacheRoot: null).Seconds;
                Console.Error.WriteLine($"  {op} ({state}): {seconds:F2} s; {resident / 1e6:F0} MB cached at start");
                rows.Add((op, state, seconds));
            }
        }

        var cacheRoot = Path.Combine(folder, "cache");
        if (Directory.Exists(cacheRoot))
        {
            Directory.Delete(cacheRoot, recursive: true);
        }
        var (first, firstHashed, firstFingerprint) = Digest(source, cacheRoot);
        var (second, secondHashed, secondFingerprint) = Digest(source, cacheRoot);
        if (firstFingerprint != secondFingerprint || secondHashed != 0)
        {
            throw new InvalidOperationException($"the cached fingerprint differs or re-read files ({secondHashed} hashed)");
        }

        Console.WriteLine();
        Console.WriteLine($"{"page cache",-10} {"cat GB/s",9} {"digest GB/s",12} {"ratio",6}   (medians of 3)");
        foreach (var state in new[] { "evicted", "cached" })
        {
            var cat = Median(rows.Where(r => r.Op == "cat" && r.Cache == state).Select(r => r.Seconds));
            var digest = Median(rows.Where(r => r.Op == "digest" && r.Cache == state).Select(r => r.Seconds));
            Console.WriteLine($"{state,-10} {bytes / cat / 1e9,9:F2} {bytes / digest / 1e9,12:F2} {cat / digest,6:F2}{(cat / digest >= 0.8 ? "  PASS (>= 0.8)" : "  FAIL (< 0.8)")}");
        }
        Console.WriteLine($"fingerprint with an empty digest cache: {first:F2} s ({firstHashed} file(s) read); second, answered by the cache: {second * 1000:F1} ms");
        if (!BenchmarkArgs.Flag(args, "--keep"))
        {
            Directory.Delete(folder, recursive: true);
        }
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static double Cat(string[] files)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start("sh", ["-c", "cat \"$@\" > /dev/null", "cat", .. files]);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cat exited with {process.ExitCode}");
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static (double Seconds, long FilesHashed, string Fingerprint) Digest(string source, string? cacheRoot)
    {
        var clock = Stopwatch.StartNew();
        var digests = cacheRoot is null ? FileDigestCache.None : new FileDigestCache(cacheRoot);
        using var checkpoint = HfCheckpoint.Open(source);
        var fingerprint = checkpoint.Fingerprint(digests);
        return (clock.Elapsed.TotalSeconds, digests.FilesHashed, fingerprint);
    }
}
