using System.Globalization;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Search;
using NuGet.Versioning;

namespace Lop.Core.Packaging;

/// <summary>What became of one entry of a package.</summary>
public sealed record ImportedEntry(string Kind, string Key, string Version, bool AlreadyCached);

/// <summary>
/// Puts a verified package's entries into the artifact cache. Entries are copied byte for byte (entry.json
/// included), so the cache then holds exactly what was packed; an entry the cache already holds at the same or
/// a newer version is left alone (a local search that went further is never replaced by an older package).
/// </summary>
internal static class DatasetPackageImport
{
    public static IReadOnlyList<ImportedEntry> ImportAll(ArtifactStore store, DatasetPackage package)
    {
        var imported = new List<ImportedEntry>();
        foreach (var entry in package.Manifest.Entries)
        {
            var cached = store.TryOpen(entry.Kind, entry.Key, out _);
            if (cached is not null && cached.ParsedVersion >= NuGetVersion.Parse(entry.Version))
            {
                imported.Add(new ImportedEntry(entry.Kind, entry.Key, cached.Version, AlreadyCached: true));
                continue;
            }
            try
            {
                store.Import(package.EntryFolder(entry));
            }
            catch (InvalidDataException e)
            {
                throw new LopException(ErrorCodes.PackageDigestMismatch, $"{package.Name} ({package.Origin}): {entry.Kind}/{entry.Key} {e.Message}; nothing more of it is imported.", package.Origin, inner: e);
            }
            imported.Add(new ImportedEntry(entry.Kind, entry.Key, entry.Version, AlreadyCached: false));
        }
        return imported;
    }

    /// <summary>
    /// A build's packages: each whose dataset is the one this project's search would make is imported, and the log
    /// says the search is not needed (or which budgets it still lacks); any other is refused with a warning that says
    /// what differs (model, calibration or which settings), as is one that cannot be read or fails its digest, and the
    /// build searches as it would without it. True when a matching dataset was imported or already cached.
    /// </summary>
    public static bool ImportMatching(ArtifactStore store, DatasetIdentity project, IReadOnlyList<double> budgets, IEnumerable<string> packages, IJobProgress progress)
    {
        var matched = false;
        foreach (var path in packages)
        {
            try
            {
                using var package = DatasetPackage.Open(path);
                if (Mismatch(package, project) is { } refusal)
                {
                    progress.Warn(refusal.Code, $"dataset package {package.Name} ({package.Origin}) is not used: {refusal.Reason}; the build searches as it would without it.");
                    continue;
                }
                var entries = ImportAll(store, package);
                var dataset = entries.Single(e => e.Kind == DatasetStage.KindName);
                var missing = budgets.Where(b => !package.Manifest.Budgets.Any(p => SearchDataset.SameBudget(p, b))).ToList();
                if (dataset.AlreadyCached)
                {
                    // The cached one is as new or newer; which budgets it holds, the dataset stage reports next.
                    progress.Info($"dataset {dataset.Key[..12]}: the cache already holds v{dataset.Version}, as new as package {package.Name} or newer; the package is not needed");
                }
                else
                {
                    progress.Info(missing.Count == 0
                        ? $"dataset {dataset.Key[..12]} v{dataset.Version} imported from package {package.Name}; no search needed"
                        : $"dataset {dataset.Key[..12]} v{dataset.Version} imported from package {package.Name}; budgets {Budgets(missing)} are not in it and will be searched");
                }
                foreach (var other in entries.Where(e => e.Kind != DatasetStage.KindName && !e.AlreadyCached))
                {
                    progress.Info($"{other.Kind} {other.Key[..12]} v{other.Version} imported from package {package.Name}");
                }
                matched = true;
            }
            catch (LopException e) when (e.Code is ErrorCodes.PackageUnreadable or ErrorCodes.PackageDigestMismatch)
            {
                progress.Warn(e.Code, e.Message + " The build searches as it would without it.");
            }
        }
        return matched;
    }

    private static (string Code, string Reason)? Mismatch(DatasetPackage package, DatasetIdentity project)
    {
        var packed = package.Manifest.Dataset;
        if (packed.Key == project.Key && package.Manifest.Entries.Any(e => e.Kind == DatasetStage.KindName && e.Key == project.Key))
        {
            return null;
        }
        if (packed.ModelFingerprint != project.ModelFingerprint)
        {
            return (ErrorCodes.PackageModelMismatch,
                $"it was searched on another model (fingerprint {packed.ModelFingerprint[..12]}, packed from {package.Manifest.Model}); lop.yaml's model has {project.ModelFingerprint[..12]}");
        }
        if (packed.CalibrationHash != project.CalibrationHash)
        {
            return (ErrorCodes.PackageCalibrationMismatch,
                $"it was searched on other calibration data (content hash {packed.CalibrationHash[..12]}, lop.yaml's calibration gives {project.CalibrationHash[..12]}); "
                + "the calibration file, sequence length, held-out fraction, seed and maximum sequence count must all be the same");
        }
        var differences = packed.SettingDifferences(project);
        return (ErrorCodes.PackageSettingsMismatch, differences.Count > 0
            ? $"same model and calibration, other search settings (package vs lop.yaml: {string.Join("; ", differences)})"
            : "same model, calibration and settings, but another dataset key (another engine's dataset schema); pack it again with this engine");
    }

    private static string Budgets(IEnumerable<double> budgets) => string.Join(", ", budgets.Select(b => b.ToString("0.###", CultureInfo.InvariantCulture)));
}
