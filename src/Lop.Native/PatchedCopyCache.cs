using System.Security.Cryptography;

namespace Lop.Native;

/// <summary>
/// Lop's own folder for patched natives. Files that belong to other tools (the NuGet cache, the app's
/// output, system folders) are never edited; the patched copy lives here, keyed by the original's
/// content hash so a new TorchSharp gets a new copy and an old one is never mistaken for it.
/// </summary>
internal static class PatchedCopyCache
{
    public const string EnvironmentVariable = "LOP_NATIVE_CACHE";

    /// <summary>$LOP_NATIVE_CACHE, else $XDG_CACHE_HOME/lop/native, else ~/.cache/lop/native.</summary>
    public static string Root()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }
        // The XDG spec says to ignore a relative XDG_CACHE_HOME.
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "lop", "native");
        }
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0
            ? Path.Combine(home, ".cache", "lop", "native")
            : Path.Combine(Path.GetTempPath(), "lop-native");
    }

    public static string KeyFor(byte[] original) => Convert.ToHexStringLower(SHA256.HashData(original))[..32];

    /// <summary>
    /// The path of a file under root/key/ holding exactly <paramref name="content"/>. Written to a unique
    /// temporary name and renamed into place, so a concurrent process sees either no file or a whole one
    /// (rename is atomic, and both write the same bytes). An existing file is compared, not trusted.
    /// </summary>
    public static string Store(string root, string key, string fileName, byte[] content)
    {
        string folder = Path.Combine(root, key);
        string target = Path.Combine(folder, fileName);
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(content))
        {
            return target;
        }
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return target;
    }
}
