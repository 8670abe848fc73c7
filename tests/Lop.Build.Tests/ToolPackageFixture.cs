using System.Diagnostics;
using System.Reflection;

namespace Lop.Build.Tests;

/// <summary>
/// Packs src/Lop.Cli once per test run into a temp feed: the pointer package Lop.Cli and one package per platform,
/// at the git-derived version with a pre-release part of the run's own. The repository's projects restore from the
/// machine's NuGet folder (libtorch is GBs) and build under the run's own folder (--artifacts-path).
/// </summary>
public sealed class ToolPackageFixture : IDisposable
{
    public static readonly string[] Platforms = ["linux-x64", "win-x64", "osx-arm64"];

    public ToolPackageFixture()
    {
        RepoRoot = PackageFixture.FindRepoRoot();
        Root = Directory.CreateTempSubdirectory("lop-tool-tests-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        var isolated = Path.Combine(Root, "build");
        GitVersion = Tests.GitVersion.Of(RepoRoot, isolated, Environment());
        Version = Tests.GitVersion.ForTestRun(GitVersion);

        var configuration = typeof(ToolPackageFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var watch = Stopwatch.StartNew();
        var pack = Dotnet.Run(RepoRoot, Environment(), "pack", Path.Combine(RepoRoot, "src", "Lop.Cli"), "-c", configuration, "-o", Feed,
            "-nologo", "-nodeReuse:false", "--artifacts-path", isolated, $"-p:MinVerVersionOverride={Version}");
        Assert.True(pack.ExitCode == 0, "dotnet pack of Lop.Cli failed:\n" + pack.Output);
        PackTime = watch.Elapsed;
        // The publish folders the packs were made from are GBs: only the packages are needed from here on.
        Directory.Delete(isolated, recursive: true);
    }

    public string RepoRoot { get; }
    public string Root { get; }
    public string Feed { get; }
    public string GitVersion { get; }
    public string Version { get; }
    public TimeSpan PackTime { get; }

    public NuGetPackage Pointer => Package("Lop.Cli");

    public NuGetPackage Platform(string rid) => Package($"Lop.Cli.{rid}");

    private NuGetPackage Package(string id) => new(Path.Combine(Feed, $"{id}.{Version}.nupkg"));

    /// <summary>Child processes get none of the test host's MSBuild state; NuGet's folder is the machine's.</summary>
    public Dictionary<string, string?> Environment() => Dotnet.CleanEnvironment();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
