using System.Runtime.Intrinsics.X86;
using Lop.Core.Gguf;

namespace Lop.Core.Tests.Gguf;

/// <summary>Where the packaged engine finds llama.cpp: the backend package's natives in a NuGet package folder.</summary>
public sealed class LlamaBackendLocatorTests
{
    [Fact]
    public void The_backend_of_the_engines_version_is_found_in_a_package_folder_at_the_best_level_this_cpu_runs()
    {
        using var temp = new TempFolder();
        string Native(string root, string version, string level) =>
            Path.Combine(temp.Sub(root), "llamasharp.backend.cpu", version, "LLamaSharpRuntimes", "linux-x64", "native", level);
        foreach (var folder in new[] { Native("other", "0.29.0", "avx2"), Native("nuget", "0.30.0", "noavx"), Native("nuget", "0.30.0", "avx2") })
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "libllama.so"), "");
        }

        var found = LlamaBackendLocator.Find([temp.Sub("empty"), temp.Sub("other"), temp.Sub("nuget")], "0.30.0", "linux-x64", "libllama.so");

        Assert.Equal(Native("nuget", "0.30.0", Avx2.IsSupported ? "avx2" : "noavx"), found);
        Assert.Null(LlamaBackendLocator.Find([temp.Sub("other")], "0.30.0", "linux-x64", "libllama.so"));
    }
}
