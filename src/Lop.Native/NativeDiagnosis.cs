namespace Lop.Native;

/// <summary>A library file as the dynamic linker would find it: its path (null when not found) and the versions it defines.</summary>
internal sealed record ProvidedLibrary(string? Path, IReadOnlySet<string> Versions);

/// <summary>A version that <see cref="NeededBy"/> needs from <see cref="Library"/> and the host's copy (<see cref="Provider"/>, null when absent) lacks.</summary>
internal sealed record MissingVersion(string NeededBy, string Library, string Version, string? Provider);

/// <summary>
/// Says why the natives do not load, in words a user can act on. Pure functions over plain inputs,
/// so tests can feed them any host; TorchSharp's own hint ("doesn't contain a reference to
/// libtorch-cpu-linux-x64") points at packaging, which is almost never the cause, so it is never repeated.
/// </summary>
internal static class NativeDiagnosis
{
    public const string Lead = "TorchSharp's native library could not be loaded: ";

    private static readonly HashSet<string> GlibcLibraries = new(StringComparer.Ordinal)
    {
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "ld-linux-x86-64.so.2",
    };

    public static IReadOnlyList<MissingVersion> FindMissing(
        string neededBy, IEnumerable<VersionNeed> needs, IReadOnlyDictionary<string, ProvidedLibrary> providers)
    {
        var missing = new List<MissingVersion>();
        foreach (VersionNeed need in needs)
        {
            providers.TryGetValue(need.Library, out ProvidedLibrary? provider);
            if (provider?.Path is null || !provider.Versions.Contains(need.Version))
            {
                missing.Add(new MissingVersion(neededBy, need.Library, need.Version, provider?.Path));
            }
        }
        return missing;
    }

    /// <summary>"X needs V1, V2, which P does not provide; ... Install ..." plus an optional detail sentence.</summary>
    public static string Describe(IReadOnlyList<MissingVersion> missing, string? detail = null)
    {
        var clauses = missing
            .GroupBy(m => (m.NeededBy, m.Library, m.Provider))
            .OrderBy(g => g.Key.NeededBy, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Library, StringComparer.Ordinal)
            .Select(g =>
            {
                string versions = string.Join(", ", g.Select(m => m.Version).Distinct().Order(StringComparer.Ordinal));
                return g.Key.Provider is string provider
                    ? $"{g.Key.NeededBy} needs {versions}, which {provider} does not provide"
                    : $"{g.Key.NeededBy} needs {g.Key.Library} ({versions}), which was not found";
            });
        var advice = missing.GroupBy(m => m.Library).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Advice(g.Key, g.Select(m => m.Version).ToList())).Distinct();
        string text = Lead + string.Join("; ", clauses) + ". " + string.Join(" ", advice);
        return detail is null ? text : text + " " + detail;
    }

    public static string DescribeNotFound(string file, IEnumerable<string> searched) =>
        $"{Lead}{file} was not found in any of these folders: {string.Join(", ", searched)}. "
        + "Restore the TorchSharp-cpu package (dotnet restore) so that its runtimes/linux-x64/native files "
        + "are present, and make sure the app's .deps.json lists them.";

    /// <summary>For a load that failed although no version is missing: the dynamic linker's own words.</summary>
    public static string DescribeLoadError(string file, string error) => $"{Lead}{file}: {error}";

    private static string Advice(string library, IReadOnlyList<string> versions)
    {
        if (library == "libstdc++.so.6")
        {
            int? gcc = versions.Select(GccFor).Max();
            string which = gcc is int n ? $"GCC {n} or later" : "from a newer GCC";
            // Debian 13 and Ubuntu 24.04 ship GCC 14's libstdc++; say so only where that is enough.
            string where = gcc is 13 or 14 ? "e.g. run on Debian 13 or Ubuntu 24.04" : "run on a distribution";
            return $"Install a newer libstdc++ ({which}), {where} or in a container image that has it.";
        }
        if (GlibcLibraries.Contains(library))
        {
            return "This needs a newer glibc: run on a newer Linux distribution or container image.";
        }
        return $"Make sure {library} is installed where the dynamic linker finds it.";
    }

    /// <summary>The GCC release that first shipped a GLIBCXX version (from libstdc++'s ABI history).</summary>
    private static int? GccFor(string version) => version switch
    {
        "GLIBCXX_3.4.31" or "GLIBCXX_3.4.32" => 13,
        "GLIBCXX_3.4.33" => 14,
        "GLIBCXX_3.4.34" => 15,
        _ => null,
    };
}
