namespace Lop.Core.Native;

/// <summary>A symbol version some TorchSharp native needs that the host library does not define.</summary>
internal readonly record struct MissingVersion(string NeededBy, string Version, string Library, string? LibraryPath);

/// <summary>
/// Works out which needed symbol versions the host lacks and words the error. TorchSharp's own message
/// ("doesn't contain a reference to libtorch-cpu-linux-x64") points at packaging when the real cause
/// is usually an old libstdc++; this names the version and both files.
/// </summary>
internal static class LoadDiagnosis
{
    /// <summary>
    /// GLIBCXX_3.4.32 is needed by the shim only for std::ios_base_library_init, which no relocation
    /// uses (see shared/notes/torchsharp-on-debian12.md), so renaming the need is safe.
    /// </summary>
    public const string HarmlessVersion = "GLIBCXX_3.4.32";

    public const string HarmlessReplacement = "GLIBCXX_3.4.30";

    public static IReadOnlyList<MissingVersion> Missing(
        string neededBy,
        IEnumerable<VersionNeed> needs,
        Func<string, (string? Path, IReadOnlySet<string>? Definitions)> host)
    {
        var missing = new List<MissingVersion>();
        foreach (var need in needs)
        {
            var (path, definitions) = host(need.Library);
            if (definitions is null || !definitions.Contains(need.Version))
            {
                missing.Add(new MissingVersion(neededBy, need.Version, need.Library, path));
            }
        }
        return missing;
    }

    public static bool OnlyHarmless(IReadOnlyList<MissingVersion> missing) =>
        missing.Count > 0 && missing.All(m => m.Version == HarmlessVersion && m.Library.StartsWith("libstdc++", StringComparison.Ordinal));

    public static string Describe(IReadOnlyList<MissingVersion> missing, string? underlying = null)
    {
        if (missing.Count == 0)
        {
            return "TorchSharp's native library could not be loaded"
                + (underlying is null ? "." : $": {underlying}")
                + " Check that the TorchSharp-cpu package restored completely (dotnet restore) and that this is a 64-bit Linux, Windows or macOS (arm64) machine.";
        }
        var lines = missing.Select(m =>
            $"{m.NeededBy} needs {m.Version}, which {m.LibraryPath ?? m.Library} does not provide");
        var libraries = string.Join(", ", missing.Select(m => m.Library).Distinct());
        return "TorchSharp's native library could not be loaded: " + string.Join("; ", lines)
            + $". Install a newer {libraries} (for GLIBCXX versions: the libstdc++ of GCC 13 or later) or use a newer Linux distribution.";
    }
}
