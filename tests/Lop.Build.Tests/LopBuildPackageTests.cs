using System.Diagnostics;
using System.IO.Compression;
using Lop.Core.Tests;
using Xunit.Abstractions;

namespace Lop.Build.Tests;

public sealed partial class LopBuildPackageTests(PackageFixture package, ITestOutputHelper log) : IClassFixture<PackageFixture>
{
    private const string Skipped = "Skipping target \"LopGenerateVariantsCore\" because all output files are up-to-date";

    [Fact]
    public void Variants_reach_bin_and_publish_and_an_unchanged_second_build_skips_the_engine()
    {
        var project = new ConsumerProject(package, "app", ConsumerProject.TwoTargets + "\n# warnme\n");

        var first = Build(project, "build");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Equal(1, project.EngineRuns);
        foreach (var target in new[] { "half", "phone" })
        {
            var variant = Path.Combine(project.OutputFolder, "lop-variants", target);
            Assert.True(File.Exists(Path.Combine(variant, "lop-manifest.json")), first.Output);
            Assert.True(File.Exists(Path.Combine(variant, "model.safetensors")));
            Assert.True(File.Exists(Path.Combine(variant, "tokenizer", "tokenizer.json")));
            Assert.Contains($"TargetName={target} Budget=0.5 Manifest=", first.Output);
        }
        Assert.Contains($"{project.ConfigFile}(9,1): warning LOP1010: the fake engine warns here", first.Output);
        Assert.Contains("--output " + Path.Combine(project.Folder, "obj", "lop"), File.ReadAllText(project.EngineLog));

        var second = Build(project, "build");
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains(Skipped, second.Output);
        Assert.Equal(1, project.EngineRuns);
        Assert.Contains("TargetName=half Budget=0.5 Manifest=", second.Output);

        // The engine's list of what it read, which the next build's up-to-date check takes as its Inputs.
        var inputs = File.ReadAllLines(Path.Combine(project.Folder, "obj", "lop.inputs.txt"));
        Assert.Contains(Path.Combine(project.Folder, "models", "tiny", "config.json"), inputs);
        Assert.Contains(Path.Combine(project.Folder, "data", "calibration.txt"), inputs);

        // A model file named (through its folder) in lop.yaml is an input.
        File.SetLastWriteTimeUtc(Path.Combine(project.Folder, "models", "tiny", "config.json"), DateTime.UtcNow);
        var third = Build(project, "build");
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.DoesNotContain(Skipped, third.Output);
        Assert.Equal(2, project.EngineRuns);

        // So is the calibration file, here given as `calibration: {path: ...}`; then nothing changed again.
        File.SetLastWriteTimeUtc(Path.Combine(project.Folder, "data", "calibration.txt"), DateTime.UtcNow);
        var fourth = Build(project, "build");
        Assert.True(fourth.ExitCode == 0, fourth.Output);
        Assert.DoesNotContain(Skipped, fourth.Output);
        Assert.Equal(3, project.EngineRuns);
        var fifth = Build(project, "build");
        Assert.Contains(Skipped, fifth.Output);
        Assert.Equal(3, project.EngineRuns);

        // dotnet publish builds Release: the variants do not depend on the configuration, so the engine does not run.
        var publish = Build(project, "publish", "-o", "publish");
        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.True(File.Exists(Path.Combine(project.Folder, "publish", "lop-variants", "half", "lop-manifest.json")), publish.Output);
        Assert.True(File.Exists(Path.Combine(project.Folder, "publish", "lop-variants", "phone", "tokenizer", "tokenizer.json")));
        Assert.Equal(3, project.EngineRuns);
    }

    [Fact]
    public void At_minimal_verbosity_the_build_log_shows_the_engines_milestones_but_not_its_progress()
    {
        var project = new ConsumerProject(package, "minimal", ConsumerProject.TwoTargets);

        var build = Build(project, "build", "-v:m");

        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Contains("Lop.Build: half: written by the fake engine", build.Output);
        Assert.Contains("Lop.Build: phone: written by the fake engine", build.Output);
        Assert.DoesNotContain("lop: pruning half", build.Output);
    }

    [Fact]
    public void An_error_in_lop_yaml_fails_the_build_at_its_line()
    {
        var project = new ConsumerProject(package, "broken", "model: models/tiny\ncalibration: data/calibration.txt\ndtype: broken\n");

        var build = Build(project, "build");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{project.ConfigFile}(3,5): error LOP1003: 'broken' is not a valid value", build.Output);
        Assert.DoesNotContain("MSB6006", build.Output);
        Assert.False(File.Exists(Path.Combine(project.Folder, "obj", "lop.variants.txt")));
    }

    [Fact]
    public void LopEnabled_false_or_no_lop_yaml_skips_the_engine()
    {
        var project = new ConsumerProject(package, "disabled", ConsumerProject.TwoTargets);

        var disabled = Build(project, "build", "-p:LopEnabled=false");
        Assert.True(disabled.ExitCode == 0, disabled.Output);
        Assert.Equal(0, project.EngineRuns);
        Assert.False(Directory.Exists(Path.Combine(project.OutputFolder, "lop-variants")));

        File.Delete(project.ConfigFile);
        var missing = Build(project, "build");
        Assert.True(missing.ExitCode == 0, missing.Output);
        Assert.Contains($"Lop.Build: no {project.ConfigFile}; no variants are generated.", missing.Output);
        Assert.Equal(0, project.EngineRuns);
    }

    [Fact]
    public void Cancelling_the_build_kills_the_engine_and_leaves_no_summary()
    {
        var project = new ConsumerProject(package, "cancelled", ConsumerProject.TwoTargets + "\n# sleep\n");
        var sleepPid = Path.Combine(project.Folder, "sleep.pid");

        using var build = project.StartDotnet(out var output, "build");
        var watch = Stopwatch.StartNew();
        while (!File.Exists(sleepPid) && !build.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3))
        {
            Thread.Sleep(100);
        }
        Assert.True(File.Exists(sleepPid), output.ToString());
        Thread.Sleep(200);
        var engine = int.Parse(File.ReadAllText(Path.Combine(project.Folder, "engine.pid")).Trim());
        var sleeper = int.Parse(File.ReadAllText(sleepPid).Trim());

        // What Ctrl+C does to dotnet build (a terminal also signals the engine itself; here only MSBuild is).
        Process.Start("kill", ["-INT", build.Id.ToString()])!.WaitForExit();
        Assert.True(build.WaitForExit(TimeSpan.FromSeconds(60)), output.ToString());
        build.WaitForExit();
        log.WriteLine(output.ToString());

        Assert.NotEqual(0, build.ExitCode);
        Assert.True(Gone(engine), "the engine survived the cancelled build");
        Assert.True(Gone(sleeper), "the engine's child survived the cancelled build");
        Assert.False(File.Exists(Path.Combine(project.Folder, "obj", "lop.variants.txt")));
        Assert.False(Directory.Exists(Path.Combine(project.OutputFolder, "lop-variants")));
    }

    [Fact]
    public void Lop_Build_and_Lop_Runtime_carry_the_metadata_users_look_for_at_the_git_derived_version()
    {
        Assert.StartsWith(package.GitVersion, package.Version);
        new NuGetPackage(package.Package).AssertGalleryMetadata("Lop.Build", package.Version);
        var runtime = new NuGetPackage(Path.Combine(package.Feed, $"Lop.Runtime.{package.Version}.nupkg"));
        runtime.AssertGalleryMetadata("Lop.Runtime", package.Version);
        Assert.True(runtime.Size < NuGetPackage.GalleryLimit, runtime.ToString());
    }

    [Fact]
    public void The_package_is_small_and_its_engine_starts_from_the_NuGet_cache()
    {
        var size = new FileInfo(package.Package).Length;
        log.WriteLine($"{Path.GetFileName(package.Package)}: {size / 1024} KiB, packed in {package.PackTime.TotalSeconds:F1} s");
        Assert.True(size < 5 * 1024 * 1024, $"{size} bytes");
        using (var zip = ZipFile.OpenRead(package.Package))
        {
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("tasks/net10.0/Lop.Build.dll", names);
            Assert.Contains("tools/engine/Lop.Cli.dll", names);
            Assert.Contains("tools/engine/Lop.Core.dll", names);
            Assert.Contains("tools/engine/Lop.Native.dll", names);
            Assert.Contains("tools/engine/Lop.Samples.dll", names); // dotnet lop sample-model lives there
            Assert.Contains("buildTransitive/Lop.Build.targets", names);
            Assert.Contains("schemas/lop.schema.json", names); // for editors: dotnet lop schema prints the same
            Assert.Contains(NativesProject, names); // restored by the targets for the build machine's libtorch
            Assert.DoesNotContain(names, n => n.Contains("TorchSharp.dll") || n.Contains("libtorch"));

            // The natives project downloads the libtorch the engine was built against (its deps.json names it).
            var natives = System.Xml.Linq.XDocument.Load(zip.GetEntry(NativesProject)!.Open());
            var libtorch = natives.Descendants("LopLibtorchVersion").Single().Value;
            using var deps = new StreamReader(zip.GetEntry("tools/engine/Lop.Cli.deps.json")!.Open());
            Assert.Contains($"\"libtorch-cpu-linux-x64/{libtorch}\"", deps.ReadToEnd());
        }

        // A dependency on TorchSharp (managed), not TorchSharp-cpu, whose graph brings every platform's libtorch.
        var dependencies = new NuGetPackage(package.Package).Metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => e.Attribute("id")!.Value).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain("TorchSharp-cpu", dependencies);

        // Extract the engine as restore would, and start it the way the task does.
        var engine = Path.Combine(package.Root, "engine-check");
        ZipFile.ExtractToDirectory(package.Package, engine);
        var tools = Path.Combine(engine, "tools", "engine");
        var help = Dotnet.Run(tools, package.Environment(), "exec",
            "--depsfile", Path.Combine(tools, "Lop.Cli.deps.json"),
            "--runtimeconfig", Path.Combine(tools, "Lop.Cli.runtimeconfig.json"),
            "--additionalprobingpath", package.MachinePackages,
            Path.Combine(tools, "Lop.Cli.dll"), "--help");
        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Contains("dotnet lop", help.Output);
    }

    [Fact]
    public void Without_LopEngineCommand_the_packaged_engine_is_started_with_dotnet_exec_and_the_NuGet_folders()
    {
        // The real engine rejects this project (its model folder is not a checkpoint): what is pinned here
        // is how it is started, that it starts, and that its coded error reaches the build.
        var project = new ConsumerProject(package, "real", ConsumerProject.TwoTargets);
        var build = Build(project, "build", "-p:LopEngineCommand=");

        Assert.NotEqual(0, build.ExitCode);
        var engine = Path.Combine(package.Packages, "lop.build", package.Version, "tools", "engine");
        Assert.Contains($"exec --depsfile {engine}/Lop.Cli.deps.json --runtimeconfig {engine}/Lop.Cli.runtimeconfig.json", build.Output);
        Assert.Contains($"--additionalprobingpath {package.Packages.TrimEnd('/')} --additionalprobingpath {package.MachinePackages.TrimEnd('/')} {engine}/Lop.Cli.dll variants --config {project.ConfigFile} --json --engine-version-range \"[0.1.0, 0.2.0)\" --output {project.Folder}/obj/lop --inputs-file {project.Folder}/obj/lop.inputs.txt --log-format msbuild", build.Output);
        Assert.DoesNotContain("MSB6003", build.Output); // the tool could not be started
        Assert.Contains("config.json : error LOP2103", build.Output); // the engine's own diagnostic, mapped to an MSBuild error
        Assert.DoesNotContain("Unhandled exception", build.Output);
        Assert.Equal(0, project.EngineRuns);
    }

    [Fact]
    public void The_real_engine_builds_every_target_into_bin_and_an_unchanged_build_skips_it()
    {
        var yaml = ConsumerProject.TwoTargets + "\nsearch:\n  budgets: [0.3, 0.6]\n  simulations: 6\n  rewardSequences: 2\npredictor:\n  epochs: 5\n  top: 3\n";
        var project = new ConsumerProject(package, "real-ok", yaml);
        var model = Path.Combine(project.Folder, "models", "tiny");
        Directory.Delete(model, recursive: true);
        var config = Lop.Core.Tests.TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, vocab: 256);
        Lop.Core.Tests.TestCheckpoints.Save(Lop.Core.Tests.TinyModels.Random(config), model);
        File.WriteAllText(Path.Combine(project.Folder, "data", "calibration.txt"),
            string.Concat(Enumerable.Range(0, 60).Select(i => $"Line {i}: the quick brown fox jumps over the lazy dog. ")));

        var first = Build(project, "build", "-p:LopEngineCommand=");
        var second = Build(project, "build", "-p:LopEngineCommand=");

        Assert.True(first.ExitCode == 0, first.Output);
        foreach (var target in new[] { "half", "phone" })
        {
            var variant = Path.Combine(project.OutputFolder, "lop-variants", target);
            Assert.True(File.Exists(Path.Combine(variant, "model.safetensors")), first.Output);
            Assert.True(File.Exists(Path.Combine(variant, "lop-manifest.json")));
        }
        Assert.Contains("TargetName=half Budget=0.5", first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("Skipping target \"LopGenerateVariantsCore\" because all output files are up-to-date", second.Output);
        Assert.Contains("Skipping target \"_LopRestoreNatives\" because all output files are up-to-date", second.Output);
        AssertOnlyThisPlatformsLibtorch(project);
    }

    /// <summary>
    /// The project's restore brings no libtorch (TorchSharp managed only); the natives project the targets restored asked
    /// for this machine's libtorch alone, and it is in one of the NuGet folders the engine probes. (The folders' contents
    /// cannot show it: the fixture's pack of the engine restores every platform's libtorch into the test's packages folder,
    /// whose fallback is the machine's: the restores' requests are what show which a user's build downloads.)
    /// </summary>
    private void AssertOnlyThisPlatformsLibtorch(ConsumerProject project)
    {
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        var assets = File.ReadAllText(Path.Combine(project.Folder, "obj", "project.assets.json"));
        Assert.Contains("\"TorchSharp/0.107.0\"", assets);
        Assert.DoesNotContain("libtorch-cpu", assets, StringComparison.OrdinalIgnoreCase);

        var natives = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(project.Folder, "obj", "lop-natives", "project.assets.json")))!;
        var downloads = natives["project"]!["frameworks"]!["net10.0"]!["downloadDependencies"]!.AsArray()
            .Select(d => d!["name"]!.GetValue<string>()).ToList();
        log.WriteLine($"natives restore downloaded: {string.Join(", ", downloads)}");
        Assert.Equal(new[] { $"libtorch-cpu-{rid}" }, downloads);
        Assert.Contains(new[] { package.Packages, package.MachinePackages },
            folder => File.Exists(Path.Combine(folder, $"libtorch-cpu-{rid}", "2.10.0", ".nupkg.metadata")));
    }

    private const string NativesProject = "tools/natives/Lop.Build.Natives.proj";

    [Fact]
    public void An_app_with_Lop_Runtime_runs_the_variant_that_fits_or_the_one_LOP_TARGET_names()
    {
        const string yaml = """
            model: models/tiny
            calibration: data/calibration.txt
            search:
              budgets: [0.3, 0.6]
              simulations: 6
              rewardSequences: 2
            predictor:
              epochs: 5
              top: 3
            formats: [safetensors, gguf]
            targets:
              - name: large
                ratio: 0.25
              - name: small
                ratio: 0.5
                quantization: q8_0
            """;
        var project = new ConsumerProject(package, "real-runtime", yaml);
        var model = Path.Combine(project.Folder, "models", "tiny");
        Directory.Delete(model, recursive: true);
        var config = Lop.Core.Tests.TinyModels.Config(layers: 2, hidden: 64, intermediate: 128, vocab: 256);
        Lop.Core.Tests.TestCheckpoints.Save(Lop.Core.Tests.TinyModels.TwoLetterHead(Lop.Core.Tests.TinyModels.Random(config)), model);
        File.WriteAllText(Path.Combine(project.Folder, "data", "calibration.txt"),
            string.Concat(Enumerable.Range(0, 60).Select(i => $"Gets or sets the value of item {i}. ")));
        project.RunVariants("""
            using Lop.Runtime.Running;
            using Lop.Runtime.Variants;

            var catalog = VariantCatalog.Load();
            var choice = VariantSelector.Choose(catalog, new VariantRequest { Target = System.Environment.GetEnvironmentVariable("LOP_TARGET"), ContextLength = 64 });
            using var model = await LopModel.LoadAsync(choice);
            var answer = model.Generate("Gets or sets the ", new GenerationOptions { MaxTokens = 8 });
            var text = await answer.ReadAllAsync();
            System.Console.WriteLine($"ran {model.Variant.Name} ({model.Variant.Gguf.Type}): {answer.Stats!.GeneratedTokens} tokens '{text}'");
            """);

        // The small target's q8_0 file is made by llama.cpp's quantizer inside the packaged engine, which finds
        // the backend's natives in the NuGet cache (the package carries none).
        var build = Build(project, "build", "-p:LopEngineCommand=");
        Assert.True(build.ExitCode == 0, build.Output);
        var app = Path.Combine(project.OutputFolder, "real-runtime.dll");
        var chosen = Dotnet.Run(project.Folder, package.Environment(), app);
        var forced = Dotnet.Run(project.Folder, new Dictionary<string, string?>(package.Environment()) { ["LOP_TARGET"] = "small" }, app);

        log.WriteLine(chosen.Output + forced.Output);
        Assert.True(chosen.ExitCode == 0, chosen.Output);
        Assert.Matches("(?m)^ran large \\(f16\\): 8 tokens '[ab]{8}'\r?$", chosen.Output);
        Assert.True(forced.ExitCode == 0, forced.Output);
        Assert.Matches("(?m)^ran small \\(q8_0\\): 8 tokens '[ab]{8}'\r?$", forced.Output);
    }

    [Fact]
    public void The_real_engine_prunes_a_llava_model_on_images_and_a_changed_image_reruns_it()
    {
        const string yaml = """
            model: models/tiny
            calibration: data/calibration.jsonl
            search:
              budgets: [0.3, 0.6]
              simulations: 4
              rewardSequences: 2
            predictor:
              epochs: 5
              top: 3
            targets:
              - name: half
                ratio: 0.5
            """;
        var project = new ConsumerProject(package, "real-llava", yaml);
        var model = Path.Combine(project.Folder, "models", "tiny");
        Directory.Delete(model, recursive: true);
        var config = Lop.Core.Tests.TinyLlava.Config(vocab: 257);
        Lop.Core.Tests.TinyLlava.Save(Lop.Core.Tests.TinyLlava.Random(config), model);
        var images = Path.Combine(project.Folder, "data", "images");
        Directory.CreateDirectory(images);
        var lines = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            Lop.Core.Images.ImageFile.WritePng(Solid(i), Path.Combine(images, $"{i}.png"));
            lines.Add($"{{\"image\": \"images/{i}.png\", \"text\": \"picture number {i} of twelve.\"}}");
        }
        File.WriteAllLines(Path.Combine(project.Folder, "data", "calibration.jsonl"), lines);

        var first = Build(project, "build", "-p:LopEngineCommand=");
        var second = Build(project, "build", "-p:LopEngineCommand=");
        Lop.Core.Images.ImageFile.WritePng(Solid(99), Path.Combine(images, "3.png"));
        var third = Build(project, "build", "-p:LopEngineCommand=");

        Assert.True(first.ExitCode == 0, first.Output);
        var manifest = File.ReadAllText(Path.Combine(project.OutputFolder, "lop-variants", "half", "lop-manifest.json"));
        Assert.Contains("\"calibration\": \"image+text\"", manifest);
        Assert.Contains("Skipping target \"LopGenerateVariantsCore\" because all output files are up-to-date", second.Output);
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.DoesNotContain("Skipping target \"LopGenerateVariantsCore\"", third.Output);
    }

    private static Lop.Core.Images.RgbImage Solid(int seed)
    {
        var image = new Lop.Core.Images.RgbImage(Lop.Core.Tests.TinyLlava.ImageSize, Lop.Core.Tests.TinyLlava.ImageSize);
        for (var i = 0; i < image.Pixels.Length; i++)
        {
            image.Pixels[i] = (byte)(seed * 37 + i * (seed % 5 + 1));
        }
        return image;
    }

    private DotnetResult Build(ConsumerProject project, params string[] args)
    {
        var result = project.Dotnet(args);
        log.WriteLine($"dotnet {string.Join(' ', args)}: exit {result.ExitCode} in {result.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    private static bool Gone(int pid)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (!Running(pid))
            {
                return true;
            }
            Thread.Sleep(100);
        }
        return false;
    }

    /// <summary>On Linux from /proc, where an unreaped zombie counts as gone; elsewhere from the process table.</summary>
    private static bool Running(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            return File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
