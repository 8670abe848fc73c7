using System.Globalization;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Progress;

namespace Lop.Benchmarks;

/// <summary>
/// Do pruned GGUF variants run as much faster under llama.cpp as they are smaller? A synthetic
/// Llama-3.2-1B-shaped checkpoint, a uniform and two non-uniform (deci) variants, each exported as f16
/// and q4_k_m, each measured in a child process of its own (prompt and decode speed, peak RSS). Decode
/// on a CPU streams every weight once per token, so its speed should follow the bytes.
/// </summary>
internal static class GgufSpeedBenchmark
{
    private const int Threads = 2;
    private const int ContextLength = 1024;
    private const int PromptTokens = 512;
    private const int DecodeTokens = 128;
    private const double QuietCpuShare = 0.9;
    private static readonly GgufExportType[] Types = [GgufExportType.F16, GgufExportType.Q4_K_M];

    public static int Run(string[] args)
    {
        var folder = Path.GetFullPath(BenchmarkArgs.Value(args, "--folder") ?? Path.Combine(Path.GetTempPath(), "lop-bench-gguf-speed"));
        var quick = BenchmarkArgs.Flag(args, "--quick");
        var repeats = int.Parse(BenchmarkArgs.Value(args, "--repeats") ?? "2", CultureInfo.InvariantCulture);
        var rounds = int.Parse(BenchmarkArgs.Value(args, "--rounds") ?? (quick ? "1" : "2"), CultureInfo.InvariantCulture);
        var retries = int.Parse(BenchmarkArgs.Value(args, "--retries") ?? (quick ? "0" : "2"), CultureInfo.InvariantCulture);
        var shape = quick ? CheckpointShape.LlamaQuick : CheckpointShape.Llama32OneB;
        Directory.CreateDirectory(folder);
        // Dense + variants (~3.2x dense) as checkpoints, their f16 GGUFs (as much again), q4_k_m files and the float file llama.cpp quantizes from.
        var needed = shape.Bytes * 8;
        var free = new DriveInfo(folder).AvailableFreeSpace;
        if (free < needed)
        {
            Console.WriteLine($"gguf-speed needs about {needed / 1e9:F1} GB free in {folder}; {free / 1e9:F1} GB is. Use --folder elsewhere or --quick.");
            return 1;
        }
        Console.WriteLine($"shape {shape.Name}: hidden {shape.Hidden}, {shape.Layers} layers, FFN {shape.Ffn}, {shape.Heads}/{shape.KvHeads} heads of {shape.HeadDim}, "
            + $"vocabulary {shape.Vocab} (cut from Llama-3.2's 128256 so the decoder layers dominate), tied embeddings, {shape.DType}, weights N(0, 0.02), norms 1");
        Console.WriteLine($"llama.cpp (LLamaSharp, CPU): {Threads} threads, context {ContextLength}, prompt {PromptTokens} token ids in one batch, "
            + $"decode {DecodeTokens} greedy tokens one per call, both from an empty KV cache; a warm-up (prompt + 16 decode calls), then {repeats} timed runs per process, {rounds} process(es) per file; medians; "
            + $"a process whose 2 threads had under {QuietCpuShare * 100:F0}% of their cores is rerun up to {retries} time(s)");
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");

        var variants = SpeedVariants.Define(shape, folder);
        if (!File.Exists(Path.Combine(variants[0].Folder, "config.json")))
        {
            Console.Error.WriteLine($"generating {shape.Name} ({shape.Bytes / 1e9:F2} GB) in {variants[0].Folder}");
            SyntheticCheckpoint.Generate(shape, variants[0].Folder);
        }
        using (var dense = HfCheckpoint.Open(variants[0].Folder))
        {
            foreach (var variant in variants.Where(v => !v.IsDense))
            {
                SpeedVariants.Write(dense, variant);
            }
        }

        var files = new List<SpeedFile>();
        foreach (var type in Types)
        {
            foreach (var variant in variants)
            {
                files.Add(Exported(variant, type, Path.Combine(folder, "gguf", $"{Path.GetFileName(variant.Folder)}.{type.Name}.gguf")));
            }
        }

        var runs = files.ToDictionary(f => f.Path, _ => new List<LlamaCppSpeedResult>());
        for (var round = 0; round < rounds; round++)
        {
            // Every other round in reverse, so a load that grows or fades on this shared machine does not favour one end of the list.
            foreach (var file in round % 2 == 0 ? files : Enumerable.Reverse(files))
            {
                runs[file.Path].Add(Measure(file, repeats, retries));
            }
        }
        var measured = files.Select(f => new MeasuredFile(f, runs[f.Path])).ToList();
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"llama.cpp system info: {measured[0].Runs[0].SystemInfo.Trim()}");
        Console.WriteLine();
        GgufSpeedReport.Print(measured);
        if (!BenchmarkArgs.Flag(args, "--keep"))
        {
            Directory.Delete(folder, recursive: true);
        }
        return 0;
    }

    /// <summary>
    /// One child process on the file. Another process holding a core makes the two llama.cpp threads wait for
    /// each other at every graph node (decode fell to a fifth of its speed here), so a run whose threads had
    /// less than 90% of their cores is run again, up to <paramref name="retries"/> times, and the least
    /// disturbed run is kept: the choice is by CPU share, never by speed.
    /// </summary>
    private static LlamaCppSpeedResult Measure(SpeedFile file, int repeats, int retries)
    {
        LlamaCppSpeedResult? best = null;
        for (var attempt = 0; attempt <= retries && !(best?.DecodeCpuShare >= QuietCpuShare); attempt++)
        {
            var (result, _) = ChildProcess.Run<LlamaCppSpeedResult>("gguf-speed-child", file.Path,
                Inv(Threads), Inv(ContextLength), Inv(PromptTokens), Inv(DecodeTokens), Inv(repeats));
            Console.Error.WriteLine($"  {file.Variant.Name} {file.Type}: prompt {Rates(result.PromptTokensPerSecond)}, decode {Rates(result.DecodeTokensPerSecond)} tok/s, "
                + $"CPU share {result.DecodeCpuShare:F2}; 1 thread {result.OneThreadDecodeTokensPerSecond[0]:F2} tok/s, {result.OneThreadDecodeTokensPerCpuSecond[0]:F2} tok/CPU-s; "
                + $"load {result.LoadSeconds:F1} s, peak RSS {result.PeakRssKb / 1024} MiB{(result.LogitsFinite ? "" : ", NON-FINITE LOGITS")}");
            if (best is null || result.DecodeCpuShare > best.DecodeCpuShare)
            {
                best = result;
            }
        }
        return best!;
    }

    /// <summary>Exports the variant, or reuses the file a previous run left (--keep): the file is the input here, not what is measured.</summary>
    private static SpeedFile Exported(SpeedVariant variant, GgufExportType type, string path)
    {
        if (File.Exists(path))
        {
            var existing = GgufFile.Read(path);
            Console.Error.WriteLine($"  reusing {path}");
            return new SpeedFile(variant, type.Name, existing.Architecture ?? "?", existing.Length, path);
        }
        using var checkpoint = HfCheckpoint.Open(variant.Folder);
        var report = GgufExporter.Export(checkpoint, path, type, SilentProgress.Instance);
        Console.Error.WriteLine($"  exported {variant.Name} {type.Name}: {report.Architecture}, {report.Bytes / 1e6:F0} MB in {report.Seconds:F1} s"
            + string.Concat(report.Fallbacks.Select(f => $"; {f.Tensor} fell back to {f.Type}")));
        return new SpeedFile(variant, type.Name, report.Architecture, report.Bytes, path);
    }

    private static string Rates(double[] values) => string.Join(" / ", values.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));

    private static string Inv(int value) => value.ToString(CultureInfo.InvariantCulture);
}
