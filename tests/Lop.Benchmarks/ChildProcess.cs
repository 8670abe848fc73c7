using System.Diagnostics;
using System.Text.Json;

namespace Lop.Benchmarks;

/// <summary>
/// Runs this benchmark program again as a child process on a hidden subcommand, so each measured piece
/// of work has a process (and a peak RSS) of its own. The child prints its result as JSON on its last
/// line of stdout; its stderr passes through to the terminal.
/// </summary>
internal static class ChildProcess
{
    public static (T Result, double WallSeconds) Run<T>(string subcommand, params string[] args)
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
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var wall = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{subcommand} child exited with {process.ExitCode}: {output}");
        }
        return (JsonSerializer.Deserialize<T>(output.Trim().Split('\n')[^1])!, wall);
    }

    /// <summary>What a child prints last.</summary>
    public static void Report<T>(T result) => Console.WriteLine(JsonSerializer.Serialize(result));
}
