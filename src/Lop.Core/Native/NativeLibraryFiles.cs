using System.Runtime.InteropServices;

namespace Lop.Core.Native;

/// <summary>Where the TorchSharp natives and the host's system libraries are on this machine.</summary>
internal static class NativeLibraryFiles
{
    public const string Shim = "libLibTorchSharp.so";

    /// <summary>libtorch's own libraries, in dependency order; the shim links against them by soname.</summary>
    public static readonly string[] Torch = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];

    /// <summary>
    /// Folders the host probes for natives (next to the app, NuGet probing paths from deps.json or
    /// --additionalprobingpath), then the runtimes folder beside TorchSharp.dll.
    /// </summary>
    public static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string probing)
        {
            folders.AddRange(probing.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }
        var torchSharp = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchSharp))
        {
            folders.Add(torchSharp);
            folders.Add(Path.Combine(torchSharp, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"));
            folders.Add(Path.Combine(torchSharp, "runtimes", "linux-x64", "native"));
        }
        return folders.Select(f => Path.GetFullPath(f)).Distinct().ToList();
    }

    /// <summary>The first folder holding <paramref name="file"/>, or null.</summary>
    public static string? Find(string file, IReadOnlyList<string> folders) =>
        folders.Select(f => Path.Combine(f, file)).FirstOrDefault(File.Exists);

    /// <summary>
    /// The file a library loaded under <paramref name="soname"/> came from, read from /proc/self/maps
    /// after loading it the way the dynamic linker would (by soname).
    /// </summary>
    public static string? LoadedPath(string soname)
    {
        if (!NativeLibrary.TryLoad(soname, out _))
        {
            return null;
        }
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/');
            if (slash >= 0 && Path.GetFileName(line[slash..]) is { } name && name.StartsWith(soname, StringComparison.Ordinal))
            {
                return line[slash..].Trim();
            }
        }
        return null;
    }
}
