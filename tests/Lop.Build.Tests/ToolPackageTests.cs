using System.Xml.Linq;
using Xunit.Abstractions;

namespace Lop.Build.Tests;

/// <summary>
/// The dotnet lop tool as the gallery and a user get it: a pointer package plus one package per platform, each
/// under the gallery's size limit, with the metadata users look for, installable from a feed and printing its version.
/// </summary>
public sealed class ToolPackageTests(ToolPackageFixture tool, ITestOutputHelper log) : IClassFixture<ToolPackageFixture>
{
    /// <summary>Per platform: libtorch, the TorchSharp shim and llama.cpp as its package carries them (natives flattened, llama's per CPU level).</summary>
    public static TheoryData<string, string, string, string> PlatformNatives => new()
    {
        { "linux-x64", "libtorch_cpu.so", "libLibTorchSharp.so", "runtimes/linux-x64/native/avx2/libllama.so" },
        { "win-x64", "torch_cpu.dll", "LibTorchSharp.dll", "runtimes/win-x64/native/avx2/llama.dll" },
        { "osx-arm64", "libtorch_cpu.dylib", "libLibTorchSharp.dylib", "runtimes/osx-arm64/native/libllama.dylib" },
    };

    [Fact]
    public void Every_tool_package_is_under_the_gallery_limit()
    {
        log.WriteLine($"packed in {tool.PackTime.TotalSeconds:F0} s");
        foreach (var package in ToolPackageFixture.Platforms.Select(tool.Platform).Prepend(tool.Pointer))
        {
            log.WriteLine(package.ToString());
            Assert.True(package.Size < NuGetPackage.GalleryLimit, package.ToString());
        }
    }

    [Fact]
    public void The_pointer_package_names_one_package_per_platform_and_carries_no_code()
    {
        var pointer = tool.Pointer;
        Assert.Contains("DotnetTool", pointer.PackageTypes);
        Assert.DoesNotContain(pointer.Files, f => f.EndsWith(".dll", StringComparison.Ordinal));
        Assert.True(pointer.Size < 100_000, pointer.ToString());

        var settings = XDocument.Load(new StreamReader(System.IO.Compression.ZipFile.OpenRead(pointer.Path)
            .GetEntry("tools/any/any/DotnetToolSettings.xml")!.Open()));
        var packages = settings.Descendants("RuntimeIdentifierPackage")
            .ToDictionary(p => p.Attribute("RuntimeIdentifier")!.Value, p => p.Attribute("Id")!.Value);
        Assert.Equal(ToolPackageFixture.Platforms.Order(), packages.Keys.Order());
        Assert.All(packages, p => Assert.Equal($"Lop.Cli.{p.Key}", p.Value));
        Assert.Equal("lop", settings.Descendants("Command").Single().Attribute("Name")!.Value);
    }

    [Theory]
    [MemberData(nameof(PlatformNatives))]
    public void A_platform_package_carries_its_own_natives_and_no_other_platforms(string rid, string libtorch, string shim, string llama)
    {
        var package = tool.Platform(rid);
        var root = $"tools/net10.0/{rid}/";
        Assert.Contains("DotnetToolRidPackage", package.PackageTypes);
        Assert.All(package.Files.Where(f => f.StartsWith("tools/", StringComparison.Ordinal)), f => Assert.StartsWith(root, f));
        Assert.Contains(root + libtorch, package.Files);
        Assert.Contains(root + shim, package.Files);
        Assert.Contains(root + llama, package.Files);
        Assert.Contains(root + "Lop.Cli.dll", package.Files);

        // Other platforms' llama.cpp folders, and natives of another platform's kind, are absent.
        Assert.All(package.Files.Where(f => f.StartsWith(root + "runtimes/", StringComparison.Ordinal)),
            f => Assert.StartsWith($"{root}runtimes/{rid}/", f));
        string[] foreign = rid switch
        {
            "linux-x64" => [".dylib", "torch_cpu.dll"],
            "win-x64" => [".so", ".dylib"],
            _ => [".so", "torch_cpu.dll"],
        };
        Assert.DoesNotContain(package.Files, f => foreign.Any(f.EndsWith));
        // No second copy of llama.cpp as content for a project to pick up.
        Assert.DoesNotContain(package.Files, f => f.StartsWith("content", StringComparison.Ordinal));
    }

    [Fact]
    public void Tool_packages_carry_the_metadata_users_look_for_at_the_git_derived_version()
    {
        Assert.StartsWith(tool.GitVersion, tool.Version);
        tool.Pointer.AssertGalleryMetadata("Lop.Cli", tool.Version);
        foreach (var rid in ToolPackageFixture.Platforms)
        {
            tool.Platform(rid).AssertGalleryMetadata($"Lop.Cli.{rid}", tool.Version);
        }
    }

    [Fact]
    public void The_tool_installs_from_a_local_feed_and_prints_its_version()
    {
        var tools = Path.Combine(tool.Root, "tools");
        // The install restores into the tool path's own store, never into the machine's NuGet folder.
        var install = Dotnet.Run(tool.Root, tool.Environment(), "tool", "install", "--tool-path", tools, "--add-source", tool.Feed,
            "Lop.Cli", "--version", tool.Version);
        log.WriteLine($"installed in {install.Elapsed.TotalSeconds:F0} s");
        Assert.True(install.ExitCode == 0, install.Output);
        var installed = Directory.GetDirectories(Path.Combine(tools, ".store", "lop.cli", tool.Version)).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["lop.cli", "lop.cli." + HostPlatform()], installed);

        var version = Dotnet.RunExecutable(Path.Combine(tools, OperatingSystem.IsWindows() ? "lop.exe" : "lop"), tool.Root, tool.Environment(), "--version");
        Assert.True(version.ExitCode == 0, version.Output);
        Assert.Equal(tool.Version, version.Output.Trim());
    }

    /// <summary>The platform package dotnet tool install should choose on this machine.</summary>
    private static string HostPlatform() =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-"
        + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
}
