using System.Diagnostics;

namespace Lop.Cli.Tests;

internal sealed record CliResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs the built CLI as a separate process: the real launch path, native loading included.</summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args) => Run(new Dictionary<string, string?>(), args);

    /// <summary>Runs with these environment variables set (a null value removes the variable), as a CI system or Kubernetes would start it.</summary>
    public static CliResult Run(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Lop.Cli.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("lop did not finish in 3 minutes: " + string.Join(' ', args));
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
