namespace Lop.Core.Tests.Native;

/// <summary>The unmodified TorchSharp shim the tests inspect: the build output's copy, else the NuGet cache's.</summary>
internal static class NativeFiles
{
    public static string Shim()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("libLibTorchSharp.so not found; restore TorchSharp-cpu. Looked at: " + string.Join(", ", candidates));
    }
}
