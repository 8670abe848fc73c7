using System.Text.RegularExpressions;

namespace Lop.Build.Tests;

/// <summary>The version MinVer derives from the repository's git tags, as every pack of the repository gets it.</summary>
public static partial class GitVersion
{
    /// <summary>Asks MinVer itself (its target on the smallest packable project), building under <paramref name="artifacts"/>.</summary>
    public static string Of(string repoRoot, string artifacts, IDictionary<string, string?> environment)
    {
        var result = Dotnet.Run(repoRoot, environment, "msbuild", Path.Combine(repoRoot, "src", "Lop.Runtime"), "-restore", "-t:MinVer",
            "-getProperty:MinVerVersion", "-nologo", "-nodeReuse:false", $"-p:ArtifactsPath={artifacts}");
        var version = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        Assert.True(result.ExitCode == 0 && SemVer().IsMatch(version), "MinVer gave no version:\n" + result.Output);
        return version;
    }

    /// <summary>
    /// The git-derived version with a pre-release part of this run's own, so that no copy of the same version in the
    /// machine's NuGet cache (build/sample.sh packs the plain git version) is ever used instead of what was just packed.
    /// </summary>
    public static string ForTestRun(string gitVersion) =>
        gitVersion + (gitVersion.Contains('-') ? "." : "-") + $"test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";

    [GeneratedRegex(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$")]
    private static partial Regex SemVer();
}
