using System.Diagnostics;
using System.Reflection;

namespace Lop.Build.Tests;

/// <summary>
/// Packs src/Lop.Build (and src/Lop.Runtime, same version) once per test run into a temp feed, at the git-derived
/// version with a pre-release part of the run's own. Test projects restore it into a temp NuGet packages folder and find
/// TorchSharp and the SDK's packages in the machine's own packages folder, configured as a fallback folder.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    public PackageFixture()
    {
        RepoRoot = FindRepoRoot();
        Root = Directory.CreateTempSubdirectory("lop-build-tests-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        Packages = Directory.CreateDirectory(Path.Combine(Root, "packages")).FullName;
        MachinePackages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        FakeEngine = Path.Combine(AppContext.BaseDirectory, "fake-lop.sh");
        if (!OperatingSystem.IsWindows())
        {
            // A checkout or copy may drop the executable bit; ToolTask starts the script directly.
            File.SetUnixFileMode(FakeEngine, File.GetUnixFileMode(FakeEngine) | UnixFileMode.UserExecute);
        }

        var configuration = typeof(PackageFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        // The packs build the engine under this run's own folder (--artifacts-path): restoring the repository's
        // projects with this run's NuGet folder in their own obj/ would point their assets at a folder deleted
        // after the run, and rebuild them under test projects that dotnet test builds in parallel.
        var isolated = Path.Combine(Root, "build");
        GitVersion = Tests.GitVersion.Of(RepoRoot, isolated, Environment());
        var watch = Stopwatch.StartNew();
        var pack = Dotnet.Run(RepoRoot, Environment(), "pack", Path.Combine(RepoRoot, "src", "Lop.Build"), "-c", configuration, "-o", Feed, "-nologo", "-nodeReuse:false",
            "--artifacts-path", isolated,
            // A version of its own per run: a Lop.Build of the repo's version already in the machine's NuGet
            // cache (build/sample.sh puts one there) would otherwise be used instead of what was just packed.
            $"-p:MinVerVersionOverride={Tests.GitVersion.ForTestRun(GitVersion)}");
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);
        PackTime = watch.Elapsed;
        Package = Directory.GetFiles(Feed, "Lop.Build.*.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(Package)["Lop.Build.".Length..];
        // Lop.Runtime of the same version: the app side, for projects that run their variants.
        var runtime = Dotnet.Run(RepoRoot, Environment(), "pack", Path.Combine(RepoRoot, "src", "Lop.Runtime"), "-c", configuration, "-o", Feed, "-nologo", "-nodeReuse:false",
            "--artifacts-path", isolated,
            $"-p:MinVerVersionOverride={Version}");
        Assert.True(runtime.ExitCode == 0, "dotnet pack of Lop.Runtime failed:\n" + runtime.Output);
    }

    public string RepoRoot { get; }
    public string Root { get; }
    public string Feed { get; }
    public string Packages { get; }
    public string MachinePackages { get; }
    public string FakeEngine { get; }
    public string Package { get; }
    public string Version { get; }
    public string GitVersion { get; }
    public TimeSpan PackTime { get; }

    /// <summary>Child builds get their own packages folder and none of the test host's MSBuild state.</summary>
    public Dictionary<string, string?> Environment()
    {
        var environment = Dotnet.CleanEnvironment();
        environment["NUGET_PACKAGES"] = Packages;
        return environment;
    }

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

    internal static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lop.Build.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Lop.Build.sln not found above " + AppContext.BaseDirectory);
    }
}
