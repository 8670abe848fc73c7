using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Lop.Benchmarks;

/// <summary>
/// Runs this benchmark program again as a child process on a hidden subcommand, so each measured piece
/// of work has a process (and a peak RSS) of its own. The child prints its result as JSON on its last
/// line of stdout; its stderr passes through to the terminal.
/// </summary>
internal static class ChildProcess
{
    public static (T Result, double WallSeconds) Run<T>(string subcommand, params string[] args) => Run<T>(subcommand, args, rssSamplesKb: null);

    /// <param name="rssSamplesKb">when given, receives the child's VmRSS every 200 ms while it runs: how memory evolves, not only its peak</param>
    public static (T Result, double WallSeconds) Run<T>(string subcommand, string[] args, List<long>? rssSamplesKb)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        start.ArgumentList.Add(subcommand);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        while (!process.WaitForExit(200))
        {
            if (rssSamplesKb is not null && Rss(process.Id) is { } rss)
            {
                rssSamplesKb.Add(rss);
            }
        }
        process.WaitForExit();
        var wall = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{subcommand} child exited with {process.ExitCode}: {output.Result}");
        }
        return (JsonSerializer.Deserialize<T>(output.Result.Trim().Split('\n')[^1])!, wall);
    }

    /// <summary>What a child prints last.</summary>
    public static void Report<T>(T result) => Console.WriteLine(JsonSerializer.Serialize(result));

    private static long? Rss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null; // the child has just exited
        }
    }
}
