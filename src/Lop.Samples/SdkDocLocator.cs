using System.Runtime.InteropServices;
using Lop.Core.Errors;

namespace Lop.Samples;

/// <summary>
/// Finds the XML documentation files of the installed .NET reference pack. They are on every machine
/// that can build a .NET project, which makes them a calibration corpus that needs no download.
/// </summary>
internal static class SdkDocLocator
{
    private const string RefPack = "Microsoft.NETCore.App.Ref";

    /// <summary>
    /// The ref/netX.Y folder of the highest pack version under the first dotnet root that has one.
    /// Roots are tried in a fixed order: <paramref name="dotnetRoot"/> if given, else DOTNET_ROOT, the
    /// running runtime's root, then <c>dotnet</c> on PATH.
    /// </summary>
    public static string FindDocsFolder(string? dotnetRoot = null)
    {
        var roots = dotnetRoot is not null ? [dotnetRoot] : CandidateRoots();
        var looked = new List<string>();
        foreach (var root in roots)
        {
            var packs = Path.Combine(root, "packs", RefPack);
            looked.Add(packs);
            if (!Directory.Exists(packs))
            {
                continue;
            }
            foreach (var version in Directory.GetDirectories(packs).OrderByDescending(Path.GetFileName, VersionComparer.Instance))
            {
                var refFolder = Path.Combine(version, "ref");
                if (!Directory.Exists(refFolder))
                {
                    continue;
                }
                var tfms = Directory.GetDirectories(refFolder, "net*").OrderByDescending(Path.GetFileName, VersionComparer.Instance);
                foreach (var tfm in tfms)
                {
                    if (Directory.EnumerateFiles(tfm, "*.xml").Any())
                    {
                        return tfm;
                    }
                }
            }
        }
        throw new LopException(ErrorCodes.SampleDocsMissing,
            "No .NET SDK reference documentation (*.xml) found for the sample corpus. Looked in: "
            + (looked.Count == 0 ? "(no dotnet root found)" : string.Join(", ", looked))
            + $". Install the .NET SDK (it ships {RefPack}), set DOTNET_ROOT to its folder, or give your own calibration file.");
    }

    private static List<string> CandidateRoots()
    {
        var roots = new List<string>();
        void Add(string? path)
        {
            if (!string.IsNullOrEmpty(path))
            {
                var full = Path.GetFullPath(path);
                if (!roots.Contains(full, StringComparer.Ordinal))
                {
                    roots.Add(full);
                }
            }
        }

        Add(Environment.GetEnvironmentVariable("DOTNET_ROOT"));
        // <root>/shared/Microsoft.NETCore.App/<version>/System.Private.CoreLib.dll
        var runtimeDir = RuntimeEnvironment.GetRuntimeDirectory();
        if (!string.IsNullOrEmpty(runtimeDir))
        {
            Add(Path.Combine(runtimeDir, "..", "..", ".."));
        }
        Add(FindDotnetOnPath());
        return roots;
    }

    private static string? FindDotnetOnPath()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (!File.Exists(candidate))
            {
                continue;
            }
            try
            {
                // /usr/bin/dotnet is usually a symlink into the real root.
                var target = new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true);
                return Path.GetDirectoryName(target?.FullName ?? candidate);
            }
            catch (IOException)
            {
                return Path.GetDirectoryName(candidate);
            }
        }
        return null;
    }

    /// <summary>
    /// Orders "10.0.12" above "9.0.5" and "net10.0" above "net9.0" by comparing digit runs as numbers;
    /// a release sorts above its previews. Ties fall back to ordinal order so the choice is deterministic.
    /// </summary>
    internal sealed class VersionComparer : IComparer<string?>
    {
        public static VersionComparer Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            x ??= "";
            y ??= "";
            var (xCore, xPre) = SplitPrerelease(x);
            var (yCore, yPre) = SplitPrerelease(y);
            var c = CompareNumeric(xCore, yCore);
            if (c != 0)
            {
                return c;
            }
            if (xPre.Length == 0 != (yPre.Length == 0))
            {
                return xPre.Length == 0 ? 1 : -1;
            }
            c = CompareNumeric(xPre, yPre);
            return c != 0 ? c : string.CompareOrdinal(x, y);
        }

        private static (string Core, string Pre) SplitPrerelease(string s)
        {
            var dash = s.IndexOf('-');
            return dash < 0 ? (s, "") : (s[..dash], s[(dash + 1)..]);
        }

        private static int CompareNumeric(string x, string y)
        {
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
                {
                    var si = i;
                    var sj = j;
                    while (i < x.Length && char.IsAsciiDigit(x[i]))
                    {
                        i++;
                    }
                    while (j < y.Length && char.IsAsciiDigit(y[j]))
                    {
                        j++;
                    }
                    var a = x[si..i].TrimStart('0');
                    var b = y[sj..j].TrimStart('0');
                    var c = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                    if (c != 0)
                    {
                        return c;
                    }
                }
                else
                {
                    if (x[i] != y[j])
                    {
                        return x[i].CompareTo(y[j]);
                    }
                    i++;
                    j++;
                }
            }
            return (x.Length - i).CompareTo(y.Length - j);
        }
    }
}
