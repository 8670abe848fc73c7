using Lop.Core.Config;
using Lop.Core.Jobs;
using Lop.Core.Progress;

namespace Lop.Build.Tests;

/// <summary>A dataset package from the team's feed, restored by NuGet like any package, stands in for the build's search.</summary>
public sealed partial class LopBuildPackageTests
{
    [Fact]
    public void A_project_referencing_a_dataset_package_from_the_feed_builds_its_variants_without_searching()
    {
        const string yaml = """
            model: models/tiny
            calibration:
              path: data/calibration.txt
              sequenceLength: 32
            search:
              budgets: [0.3]
              simulations: 6
              rewardSequences: 2
            predictor:
              epochs: 5
              top: 3
            cache: .lop-cache
            targets:
              - name: lighter
                ratio: 0.3
            """;
        var project = new ConsumerProject(package, "real-dataset", yaml);
        var model = Path.Combine(project.Folder, "models", "tiny");
        Directory.Delete(model, recursive: true);
        Lop.Core.Tests.TestCheckpoints.Save(Lop.Core.Tests.TinyModels.Random(Lop.Core.Tests.TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, vocab: 256)), model);
        File.WriteAllText(Path.Combine(project.Folder, "data", "calibration.txt"),
            string.Concat(Enumerable.Range(0, 60).Select(i => $"Line {i}: the quick brown fox jumps over the lazy dog. ")));
        // Another machine's search (a cache of its own), packed into the feed the project restores from.
        const string id = "LopBuildTests.Tiny.Lop.Datasets";
        var config = LopConfig.Load(project.ConfigFile);
        var searchCache = Path.Combine(package.Root, "dataset-search-cache");
        SearchJob.Run(new SearchRequest(config.ModelFolder, config.Calibration, config.Training.Budgets, config.Training.Search, config.Training.RewardSequences,
            config.DType, searchCache), SilentProgress.Instance);
        var packed = DatasetPackJob.Run(new DatasetPackRequest(config.ModelFolder, config.Calibration, config.Training, package.Feed, [], id, config.DType, searchCache),
            SilentProgress.Instance);
        var csproj = Path.Combine(project.Folder, "real-dataset.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace(
            $"<PackageReference Include=\"Lop.Build\" Version=\"{package.Version}\" />",
            $"<PackageReference Include=\"Lop.Build\" Version=\"{package.Version}\" />\n    <PackageReference Include=\"{id}\" Version=\"1.*\" />"));

        var build = Build(project, "build", "-p:LopEngineCommand=");

        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Equal("1.0.0", packed.Version);
        var restored = Path.Combine(package.Packages, id.ToLowerInvariant(), "1.0.0", "lop");
        Assert.Contains($"Lop.Build: dataset package {id} 1.0.0 ({restored}/) is handed to the engine", build.Output);
        Assert.Contains($"--artifact-package {restored} --log-format msbuild", build.Output);
        Assert.Contains($"Lop.Build: dataset {packed.Entries[0].Key[..12]} v1.0.0 imported from package {id} 1.0.0; no search needed", build.Output);
        Assert.DoesNotContain("search 0.3: best perplexity", build.Output);
        Assert.DoesNotContain("warning LOP52", build.Output);
        Assert.True(File.Exists(Path.Combine(project.OutputFolder, "lop-variants", "lighter", "model.safetensors")), build.Output);
        // The cache the build used now holds the packaged dataset, byte for byte.
        var imported = Path.Combine(project.Folder, ".lop-cache", "dataset", packed.Entries[0].Key, "dataset.json");
        Assert.Equal(File.ReadAllBytes(Path.Combine(searchCache, "dataset", packed.Entries[0].Key, "dataset.json")), File.ReadAllBytes(imported));
    }
}
