namespace Lop.Benchmarks;

/// <summary>One GGUF file of the speed benchmark.</summary>
internal sealed record SpeedFile(SpeedVariant Variant, string Type, string Architecture, long Bytes, string Path);

/// <summary>A file and its runs (one per child process), summarised by medians.</summary>
internal sealed record MeasuredFile(SpeedFile File, List<LlamaCppSpeedResult> Runs)
{
    public double Prompt => Statistics.Median(Runs.SelectMany(r => r.PromptTokensPerSecond));

    public double Decode => Statistics.Median(Runs.SelectMany(r => r.DecodeTokensPerSecond));

    public double LeastCpuShare => Runs.Min(r => r.DecodeCpuShare);

    public double OneThreadDecode => Statistics.Median(Runs.SelectMany(r => r.OneThreadDecodeTokensPerSecond));

    public double OneThreadDecodePerCpuSecond => Statistics.Median(Runs.SelectMany(r => r.OneThreadDecodeTokensPerCpuSecond));

    public long PeakRssKb => Runs.Max(r => r.PeakRssKb);
}

/// <summary>
/// The speed benchmark's tables: the figures asked for (2 threads, wall clock) with their goals, then the
/// same goals on one thread's CPU time, which a machine shared with other work cannot distort.
/// </summary>
internal static class GgufSpeedReport
{
    private sealed record Goals(double Speedup, double BytesRatio, string BytesGoal, string UniformGoal, int Failures);

    public static void Print(List<MeasuredFile> measured)
    {
        var table = new TextTable("variant", "type", "arch", "FFN widths", "MB", "prompt tok/s", "decode tok/s", "decode speedup",
            "dense/variant bytes", "peak RSS MiB", "CPU share", "speedup >= 0.9 x bytes ratio", "decode vs uniform 0.5");
        var failures = 0;
        foreach (var m in measured)
        {
            var goals = Check(m, measured, f => f.Decode);
            failures += goals.Failures;
            table.Add(m.File.Variant.Name, m.File.Type, m.File.Architecture, WidthSchedule.Describe(m.File.Variant.Widths), $"{m.File.Bytes / 1e6:F1}",
                $"{m.Prompt:F1}", $"{m.Decode:F2}", $"{goals.Speedup:F2}", $"{goals.BytesRatio:F2}", $"{m.PeakRssKb / 1024.0:F0}", $"{m.LeastCpuShare:F2}", goals.BytesGoal, goals.UniformGoal);
        }
        Console.WriteLine("decode and prompt at 2 threads, wall clock (medians):");
        table.Print(Console.Out);
        Console.WriteLine("speedup >= 0.9 x bytes ratio: decode speedup over dense of the same type / (dense bytes / variant bytes), goal >= 0.9");
        Console.WriteLine("decode vs uniform 0.5: non-uniform 0.5 decode tok/s / uniform 0.5 decode tok/s, goal >= 0.9 (as fast within 10%)");
        Console.WriteLine("CPU share: the least, over the file's processes, of CPU time / (wall time x 2) while decoding; below 0.9 the 2 threads waited for cores");
        Console.WriteLine(failures == 0 ? "all goals PASS" : $"{failures} goal(s) FAIL");
        if (measured.Any(m => m.LeastCpuShare < 0.9))
        {
            Console.WriteLine("WARNING: some processes ran on a busy machine (CPU share < 0.9): their 2-thread figures measure the scheduler; see the CPU-time table");
        }
        Console.WriteLine();

        var work = new TextTable("variant", "type", "1 thread tok/s", "1 thread tok/CPU-s", "speedup (CPU time)",
            "dense/variant bytes", "speedup >= 0.9 x bytes ratio", "vs uniform 0.5");
        var workFailures = 0;
        foreach (var m in measured)
        {
            var goals = Check(m, measured, f => f.OneThreadDecodePerCpuSecond);
            workFailures += goals.Failures;
            work.Add(m.File.Variant.Name, m.File.Type, $"{m.OneThreadDecode:F2}", $"{m.OneThreadDecodePerCpuSecond:F2}",
                $"{goals.Speedup:F2}", $"{goals.BytesRatio:F2}", goals.BytesGoal, goals.UniformGoal);
        }
        Console.WriteLine("decode at 1 thread per second of CPU time: the work per token, which waiting for a core does not change (medians):");
        work.Print(Console.Out);
        Console.WriteLine(workFailures == 0 ? "all goals PASS on CPU time" : $"{workFailures} goal(s) FAIL on CPU time");
    }

    private static Goals Check(MeasuredFile m, List<MeasuredFile> all, Func<MeasuredFile, double> decode)
    {
        var dense = all.Single(d => d.File.Variant.IsDense && d.File.Type == m.File.Type);
        var uniform = all.Single(d => d.File.Variant.Name == SpeedVariants.Uniform50 && d.File.Type == m.File.Type);
        var speedup = decode(m) / decode(dense);
        var bytesRatio = (double)dense.File.Bytes / m.File.Bytes;
        var (bytesGoal, uniformGoal, failures) = ("", "", 0);
        if (!m.File.Variant.IsDense)
        {
            var pass = speedup >= 0.9 * bytesRatio;
            failures += pass ? 0 : 1;
            bytesGoal = $"{(pass ? "PASS" : "FAIL")} ({speedup / bytesRatio:F2})";
        }
        if (m.File.Variant.Name == SpeedVariants.Ramp50)
        {
            var relative = decode(m) / decode(uniform);
            var pass = relative >= 0.9;
            failures += pass ? 0 : 1;
            uniformGoal = $"{(pass ? "PASS" : "FAIL")} ({relative:F2})";
        }
        return new Goals(speedup, bytesRatio, bytesGoal, uniformGoal, failures);
    }
}
