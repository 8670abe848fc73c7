using System.Globalization;
using Lop.Core.Artifacts;
using Lop.Core.Pipeline;

namespace Lop.Core.Packaging;

/// <summary>
/// The content digest of a dataset package: SHA-256 over the manifest's identity fields and one line per file
/// under <c>lop/</c> (its path and SHA-256, sorted), package.json itself excepted. Packing records it; every
/// import recomputes it from the files on disk, so an edited, added or removed file is refused before it
/// reaches the cache. (Integrity, not authorship: a signed feed is NuGet's business.)
/// </summary>
internal static class PackageDigest
{
    public static string Compute(string contentFolder, DatasetPackageManifest manifest) =>
        ArtifactKey.Hash(Header(manifest).Concat(FileLines(contentFolder)));

    private static IEnumerable<string> Header(DatasetPackageManifest m) =>
    [
        "lop-dataset-package",
        m.Format.ToString(CultureInfo.InvariantCulture),
        m.Id,
        m.Version,
        m.Dataset.Key,
        m.Dataset.ModelFingerprint,
        m.Dataset.CalibrationHash,
        m.Dataset.Importance,
        m.Dataset.ComputeDType,
        System.Text.Json.JsonSerializer.Serialize(m.Dataset.Settings),
        m.Dataset.RewardSequences.ToString(CultureInfo.InvariantCulture),
        string.Join(",", m.Budgets.Select(b => b.ToString("R", CultureInfo.InvariantCulture))),
        .. m.Entries.Select(e => $"{e.Kind}/{e.Key}@{e.Version}"),
    ];

    private static IEnumerable<string> FileLines(string contentFolder) =>
        Directory.EnumerateFiles(contentFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(contentFolder, f).Replace('\\', '/'))
            .Where(r => r != DatasetPackageManifest.FileName)
            .Order(StringComparer.Ordinal)
            .Select(r => $"{r}\t{ArtifactStore.Hash(Path.Combine(contentFolder, r))}")
            .ToList();
}
