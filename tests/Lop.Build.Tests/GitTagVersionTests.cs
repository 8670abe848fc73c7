namespace Lop.Build.Tests;

/// <summary>
/// The repository's version settings (Directory.Build.props, as they are in this working tree) in a throwaway git
/// repository whose tags the test makes: what a commit before any tag, a tagged commit and the commit after it build.
/// </summary>
public sealed class GitTagVersionTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("lop-version-tests-").FullName;

    public GitTagVersionTests()
    {
        var source = PackageFixture.FindRepoRoot();
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "nuget.config" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(_repo, file));
        }
        Directory.CreateDirectory(Path.Combine(_repo, "src", "Probe"));
        File.WriteAllText(Path.Combine(_repo, "src", "Probe", "Probe.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />\n");
        Git("init", "--quiet");
        Git("add", ".");
        Git("commit", "--quiet", "-m", "first");
        Git("commit", "--quiet", "--allow-empty", "-m", "second");
    }

    [Fact]
    public void Untagged_commits_are_prereleases_of_0_1_0_a_tag_names_the_version_and_later_commits_the_next_patch()
    {
        Assert.Equal(("0.1.0-alpha.0.1", "0.1.0.0"), Versions());

        Git("tag", "v0.3.0");
        Assert.Equal(("0.3.0", "0.3.0.0"), Versions());

        Git("commit", "--quiet", "--allow-empty", "-m", "third");
        Git("commit", "--quiet", "--allow-empty", "-m", "fourth");
        // The assembly (engine) version stays at major.minor: the engine's caches survive every commit of a minor.
        Assert.Equal(("0.3.1-alpha.0.2", "0.3.0.0"), Versions());
    }

    public void Dispose() => Directory.Delete(_repo, recursive: true);

    /// <summary>The package version and the assembly version MinVer and the repository's settings give the probe project.</summary>
    private (string Package, string Assembly) Versions()
    {
        var result = Dotnet.Run(_repo, Dotnet.CleanEnvironment(), "msbuild", Path.Combine("src", "Probe"), "-restore", "-t:MinVer",
            "-getProperty:PackageVersion", "-getProperty:AssemblyVersion", "-nologo", "-nodeReuse:false");
        Assert.True(result.ExitCode == 0, result.Output);
        var json = result.Output[result.Output.IndexOf('{')..];
        var properties = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("Properties");
        return (properties.GetProperty("PackageVersion").GetString()!, properties.GetProperty("AssemblyVersion").GetString()!);
    }

    private void Git(params string[] args)
    {
        string[] identity = ["-c", "user.name=Lop tests", "-c", "user.email=tests@lop.invalid", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"];
        var result = Dotnet.RunExecutable("git", _repo, Dotnet.CleanEnvironment(), [.. identity, .. args]);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', args)}:\n{result.Output}");
    }
}
