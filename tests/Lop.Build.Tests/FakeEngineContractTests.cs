using System.Diagnostics;
using Lop.Contract;

namespace Lop.Build.Tests;

/// <summary>
/// The fake engine the package tests use speaks the same contract as the real one: its stdout is read
/// with the contract's own types and options (src/Lop.Contract, compiled into the engine and the task),
/// its diagnostics are in the contract's form, and its inputs file has the contract's format.
/// </summary>
public sealed class FakeEngineContractTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lop-fake-contract-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Its_json_is_a_VariantsReport_and_its_warning_a_contract_diagnostic()
    {
        var config = Write("lop.yaml", ConsumerProject.TwoTargets + "\n# warnme\n");
        Write("models/tiny/config.json", "{}");
        Write("data/calibration.txt", "text");

        var (exit, stdout, stderr) = RunFake("variants", "--config", config, "--json", "--output", Path.Combine(_folder, "out"));

        Assert.True(exit == 0, stderr);
        var report = VariantsJson.Deserialize(stdout);
        Assert.Equal(["half", "phone"], report.Variants.Select(v => v.Target));
        Assert.All(report.Variants, v =>
        {
            Assert.Equal(Path.Combine(_folder, "out", v.Target), v.Folder);
            Assert.Equal(Path.Combine(v.Folder, "lop-manifest.json"), v.Manifest);
            Assert.True(File.Exists(v.Manifest));
            Assert.NotNull(v.Constraint);
            Assert.NotNull(v.Explanation);
            Assert.True(v.Budget > 0 && v.Parameters > 0 && v.Bytes > 0);
        });
        Assert.Equal(config, report.Config);
        Assert.NotNull(report.EngineVersion);

        var warning = stderr.Split('\n').Single(l => l.Contains("LOP1010"));
        Assert.True(EngineDiagnostic.TryParse(warning, out var severity, out var code));
        Assert.Equal((EngineDiagnostic.Warning, "LOP1010"), (severity, code));
        Assert.Equal(EngineDiagnostic.Format(EngineDiagnostic.Warning, "LOP1010", "the fake engine warns here", config, 9, 1), warning);
    }

    [Fact]
    public void Its_inputs_file_lists_what_the_engine_would_read_in_the_contract_format()
    {
        // calibration given as {path: ...} and as JSONL naming images, the two forms a line reader misses most easily.
        var config = Write("lop.yaml", "model: models/tiny\ncalibration: data/calibration.jsonl\ntargets:\n  - name: half\n    ratio: 0.5\n");
        var model = new[] { Write("models/tiny/config.json", "{}"), Write("models/tiny/sub/model.safetensors", "w") };
        var calibration = Write("data/calibration.jsonl", "{\"image\": \"images/b.png\", \"text\": \"x\"}\n{\"image\": \"images/a.png\", \"text\": \"y\"}\n");
        var inputs = Path.Combine(_folder, "obj", "lop.inputs.txt");

        var (exit, _, stderr) = RunFake("variants", "--config", config, "--json", "--inputs-file", inputs);

        Assert.True(exit == 0, stderr);
        var expected = InputsFile.Format(model.Append(calibration)
            .Append(Path.Combine(_folder, "data", "images", "a.png")).Append(Path.Combine(_folder, "data", "images", "b.png")));
        Assert.Equal(expected, File.ReadAllText(inputs));

        File.WriteAllText(config, ConsumerProject.TwoTargets);
        Write("data/calibration.txt", "text");
        Assert.Equal(0, RunFake("variants", "--config", config, "--json", "--inputs-file", inputs).Exit);
        Assert.Equal(InputsFile.Format(model.Append(Path.Combine(_folder, "data", "calibration.txt"))), File.ReadAllText(inputs));
    }

    private string Write(string relative, string content)
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static (int Exit, string StdOut, string StdErr) RunFake(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fake-lop.sh"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
