using System.Diagnostics;
using System.Text;

namespace Lop.Build.Tests;

public sealed record DotnetResult(int ExitCode, string Output, TimeSpan Elapsed);

/// <summary>Runs the dotnet CLI (the same host as the test run) and captures stdout and stderr together.</summary>
public static class Dotnet
{
    public static string Host => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public static DotnetResult Run(string workingDirectory, IDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args, out var output);
        var watch = Stopwatch.StartNew();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in 5 minutes:\n{output}");
        }
        process.WaitForExit();
        return new DotnetResult(process.ExitCode, output.ToString(), watch.Elapsed);
    }

    public static Process Start(string workingDirectory, IDictionary<string, string?> environment, string[] args, out StringBuilder output)
    {
        var start = new ProcessStartInfo(Host)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }
        var captured = new StringBuilder();
        output = captured;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (captured) { captured.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (captured) { captured.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
