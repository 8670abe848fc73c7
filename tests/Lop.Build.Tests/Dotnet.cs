using System.Diagnostics;
using System.Text;

namespace Lop.Build.Tests;

public sealed record DotnetResult(int ExitCode, string Output, TimeSpan Elapsed);

/// <summary>Runs the dotnet CLI (the same host as the test run) and captures stdout and stderr together.</summary>
public static class Dotnet
{
    /// <summary>For child builds: none of the test host's MSBuild state, no telemetry or banner.</summary>
    public static Dictionary<string, string?> CleanEnvironment() => new()
    {
        ["MSBuildExtensionsPath"] = null,
        ["MSBuildSDKsPath"] = null,
        ["MSBUILD_EXE_PATH"] = null,
        ["MSBuildLoadMicrosoftTargetsReadOnly"] = null,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public static string Host => System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    public static DotnetResult Run(string workingDirectory, IDictionary<string, string?> environment, params string[] args) =>
        RunExecutable(Host, workingDirectory, environment, args);

    /// <summary>Runs another program (an installed tool's command) the same way.</summary>
    public static DotnetResult RunExecutable(string file, string workingDirectory, IDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(file, workingDirectory, environment, args, out var output);
        var watch = Stopwatch.StartNew();
        // A guard against a hung child, not a budget: packing the tool's three platforms (1.4 GB of natives
        // to compress) takes several minutes on two busy cores.
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 20 minutes:\n{output}");
        }
        process.WaitForExit();
        return new DotnetResult(process.ExitCode, output.ToString(), watch.Elapsed);
    }

    public static Process Start(string workingDirectory, IDictionary<string, string?> environment, string[] args, out StringBuilder output) =>
        Start(Host, workingDirectory, environment, args, out output);

    /// <summary>
    /// Starts dotnet with SIGINT at its default disposition, for tests that interrupt a build. A shell starts a
    /// background job with SIGINT ignored and every descendant inherits that, so a test run in the background (as
    /// a CI runner may run it) would start a build that never sees the interrupt. perl (essential on Debian,
    /// shipped with macOS) resets it before exec, which keeps the pid.
    /// </summary>
    public static Process StartInterruptible(string workingDirectory, IDictionary<string, string?> environment, string[] args, out StringBuilder output) =>
        InterruptIgnored()
            ? Start("perl", workingDirectory, environment, ["-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\"", Host, .. args], out output)
            : Start(Host, workingDirectory, environment, args, out output);

    /// <summary>Whether this process inherited SIGINT ignored (bit 2 of SigIgn in /proc/self/status).</summary>
    private static bool InterruptIgnored() =>
        File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
        && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;

    private static Process Start(string file, string workingDirectory, IDictionary<string, string?> environment, string[] args, out StringBuilder output)
    {
        var start = new ProcessStartInfo(file)
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
