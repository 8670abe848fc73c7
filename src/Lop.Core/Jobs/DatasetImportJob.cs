using Lop.Core.Artifacts;
using Lop.Core.Packaging;
using Lop.Core.Progress;

namespace Lop.Core.Jobs;

/// <param name="Packages">.nupkg files, restored package folders, or their lop/ folders</param>
public sealed record DatasetImportRequest(IReadOnlyList<string> Packages, string? CacheFolder = null);

public sealed record DatasetImportReport(string Package, string Id, string Version, IReadOnlyList<double> Budgets, IReadOnlyList<ImportedEntry> Entries);

/// <summary>
/// <c>dotnet lop datasets import</c>: a dataset package's entries into the artifact cache, verified, for CI scripts
/// that restore or download packages themselves. Unlike a build it imports whatever model the package is for (the
/// cache keys keep models apart) and fails on a package that cannot be read or fails its digest.
/// </summary>
public static class DatasetImportJob
{
    public static IReadOnlyList<DatasetImportReport> Run(DatasetImportRequest request, IJobProgress progress)
    {
        var store = new ArtifactStore(CacheRoot.Resolve(request.CacheFolder));
        var reports = new List<DatasetImportReport>();
        foreach (var path in request.Packages)
        {
            using var package = DatasetPackage.Open(path);
            var entries = DatasetPackageImport.ImportAll(store, package);
            foreach (var entry in entries)
            {
                progress.Info(entry.AlreadyCached
                    ? $"{entry.Kind} {entry.Key[..12]}: the cache already holds v{entry.Version}; left as it is"
                    : $"{entry.Kind} {entry.Key[..12]} v{entry.Version} imported from package {package.Name}");
            }
            reports.Add(new DatasetImportReport(package.Origin, package.Manifest.Id, package.Manifest.Version, package.Manifest.Budgets, entries));
        }
        return reports;
    }
}
