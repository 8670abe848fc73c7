namespace Lop.Native;

/// <summary>Where TorchSharp's Linux natives are: the shim and the three libtorch libraries it links against.</summary>
internal sealed record TorchNatives(string Shim, IReadOnlyList<string> Libtorch);

/// <summary>
/// Finds the natives the way the .NET host would: first the folders in NATIVE_DLL_SEARCH_DIRECTORIES
/// (the host fills it from the .deps.json: the app folder's runtimes/linux-x64/native for a build,
/// NuGet cache folders under <c>--additionalprobingpath</c>), then beside TorchSharp.dll. Taking the
/// same first match as the runtime matters: a second copy of libtorch_cpu.so would register every
/// operator twice.
/// </summary>
internal static class NativeLocator
{
    public const string ShimFile = "libLibTorchSharp.so";

    /// <summary>In load order: each one's DT_NEEDED entries are already loaded when it is.</summary>
    public static readonly IReadOnlyList<string> LibtorchFiles = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    public static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string listed)
        {
            folders.AddRange(listed.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        string torchSharp = typeof(TorchSharp.torch).Assembly.Location;
        if (Path.GetDirectoryName(torchSharp) is { Length: > 0 } beside)
        {
            folders.Add(beside);
            folders.Add(Path.Combine(beside, "runtimes", "linux-x64", "native"));
            // Loaded straight from its package (lib/net8.0/TorchSharp.dll): the shim is in the package's runtimes/.
            if (Directory.GetParent(beside) is { Name: "lib", Parent: { } package })
            {
                folders.Add(Path.Combine(package.FullName, "runtimes", "linux-x64", "native"));
            }
        }
        return folders
            .Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    public static string? Find(string file, IEnumerable<string> folders) =>
        folders.Select(f => Path.Combine(f, file)).FirstOrDefault(File.Exists);
}
