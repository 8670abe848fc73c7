using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Lop.Native;

/// <summary>
/// Finds the file the dynamic linker binds a soname such as <c>libstdc++.so.6</c> to in this process,
/// and the symbol versions that file defines. Linux only.
/// </summary>
internal static class HostLibraries
{
    private static readonly string[] SystemFolders =
    [
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
    ];

    private static readonly ConcurrentDictionary<string, IReadOnlySet<string>> Definitions = new(StringComparer.Ordinal);

    /// <summary>
    /// Mirrors ld.so's order: a library already loaded under that soname wins (the .NET runtime
    /// itself maps libstdc++ and libc), then the needing library's own folder (libtorch's RUNPATH is
    /// $ORIGIN), then the normal search, which we get by letting dlopen find it and reading the maps.
    /// </summary>
    public static string? Resolve(string soname, string? neederFolder)
    {
        if (FindMapped(soname) is string mapped)
        {
            return mapped;
        }
        if (neederFolder is not null && File.Exists(Path.Combine(neederFolder, soname)))
        {
            return Path.Combine(neederFolder, soname);
        }
        if (NativeLibrary.TryLoad(soname, out _) && FindMapped(soname) is string loaded)
        {
            return loaded;
        }
        return SystemFolders.Select(f => Path.Combine(f, soname)).FirstOrDefault(File.Exists);
    }

    /// <summary>Versions defined by <paramref name="path"/>; empty if it cannot be read as ELF.</summary>
    public static IReadOnlySet<string> ProvidedVersions(string path) =>
        Definitions.GetOrAdd(path, p =>
        {
            try
            {
                return ElfVersionNeeds.ReadDefinitions(p);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                return new HashSet<string>();
            }
        });

    /// <summary>
    /// A mapped file whose name is the soname or the soname plus a version tail:
    /// the kernel shows the symlink's target, e.g. libstdc++.so.6 as libstdc++.so.6.0.30.
    /// </summary>
    private static string? FindMapped(string soname)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/maps");
        }
        catch (IOException)
        {
            return null;
        }
        foreach (string line in lines)
        {
            int slash = line.IndexOf('/');
            if (slash < 0)
            {
                continue;
            }
            string path = line[slash..];
            string file = Path.GetFileName(path);
            if (file == soname || file.StartsWith(soname + ".", StringComparison.Ordinal))
            {
                return path;
            }
        }
        return null;
    }
}
