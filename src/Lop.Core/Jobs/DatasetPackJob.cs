using System.Globalization;
using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Packaging;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Settings;

namespace Lop.Core.Jobs;

/// <param name="Training">the search settings and reward sequences pick the dataset; the rest picks the predictor (with <c>--include predictor</c>)</param>
/// <param name="Include">importance and/or predictor, packed beside the dataset</param>
/// <param name="Id">the package id; null derives it from the model (<see cref="DatasetPackageId"/>)</param>
public sealed record DatasetPackRequest(
    string ModelFolder,
    CalibrationOptions Calibration,
    PredictorTraining Training,
    string OutputFolder,
    IReadOnlyList<string> Include,
    string? Id = null,
    string DType = ComputeSettings.DefaultDType,
    string? CacheFolder = null);

public sealed record DatasetPackReport(string Id, string Version, string Package, long Bytes, string Digest, IReadOnlyList<double> Budgets, IReadOnlyList<PackagedEntry> Entries);

/// <summary>
/// <c>dotnet lop datasets pack</c>: the cached dataset of a model, calibration and search settings (and on request its
/// importance scores and predictor) as a NuGet package versioned like the dataset, for a team's feed. Nothing is
/// computed: what is not cached is an error that names the command that makes it.
/// </summary>
public static class DatasetPackJob
{
    public const string IncludeImportance = "importance";
    public const string IncludePredictor = "predictor";

    public static DatasetPackReport Run(DatasetPackRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        var unknown = request.Include.Where(i => i is not (IncludeImportance or IncludePredictor)).ToList();
        if (unknown.Count > 0)
        {
            throw new LopException(ErrorCodes.PackArgumentInvalid, $"--include names {string.Join(", ", unknown)}; it takes importance and/or predictor (the dataset is always packed).");
        }
        var id = request.Id ?? DatasetPackageId.For(request.ModelFolder);
        if (!DatasetPackageId.IsValid(id))
        {
            throw new LopException(ErrorCodes.PackArgumentInvalid, $"'{id}' is not a NuGet package id (letters, digits, '.', '_' and '-', at most 100 characters); pass one with --id.");
        }
        using var pipeline = ModelPipeline.Open(request.ModelFolder, request.Calibration, request.DType, request.CacheFolder, progress);
        var store = pipeline.Store;
        var identity = pipeline.DatasetIdentity(request.Training.Search, request.Training.RewardSequences);
        var dataset = pipeline.CachedDataset(request.Training.Search, request.Training.RewardSequences)
            ?? throw new LopException(ErrorCodes.PackDatasetNotCached,
                $"the cache {store.Root} holds no search dataset for this model, calibration and search settings (dataset key {identity.Key[..12]}); "
                + "make it first with `dotnet lop search` and the same --model, --calibration, calibration, search and --dtype options (and --cache), then pack again.",
                request.ModelFolder);
        var entries = new List<(PackagedEntry Entry, string Folder)> { Entry(store, DatasetStage.KindName, dataset.Key, "dotnet lop search") };
        if (request.Include.Contains(IncludeImportance))
        {
            entries.Add(Entry(store, ImportanceStage.KindName, pipeline.ImportanceKey, "dotnet lop importance (or search)"));
        }
        if (request.Include.Contains(IncludePredictor))
        {
            entries.Add(Entry(store, PredictorStage.KindName, pipeline.PredictorKey(request.Training), "dotnet lop train with the same --budgets, search and predictor options"));
        }
        var bytes = entries.Sum(e => Directory.EnumerateFiles(e.Folder).Sum(f => new FileInfo(f).Length));
        if (bytes > DatasetPackageWriter.GalleryLimit)
        {
            throw new LopException(ErrorCodes.PackageTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"the entries to pack hold {bytes / 1e6:F1} MB, over the {DatasetPackageWriter.GalleryLimit / 1e6:F0} MB a NuGet gallery accepts; pack without --include, or search fewer budgets per dataset."));
        }
        var manifest = new DatasetPackageManifest
        {
            Format = DatasetPackageManifest.CurrentFormat,
            Id = id,
            Version = dataset.Version,
            Model = pipeline.Inputs.Checkpoint.Folder,
            Dataset = identity,
            Budgets = dataset.Value.Budgets.Select(b => b.Budget).ToList(),
            Entries = entries.Select(e => e.Entry).ToList(),
            Digest = "",
        };
        cancellation.ThrowIfCancellationRequested();
        var (path, size) = DatasetPackageWriter.Write(request.OutputFolder, manifest, entries.Select(e => e.Folder).ToList());
        using var written = DatasetPackage.Open(path);
        progress.Info(string.Create(CultureInfo.InvariantCulture, $"packed {id} {dataset.Version} ({size / 1e6:F2} MB): {string.Join(", ", entries.Select(e => $"{e.Entry.Kind} {e.Entry.Key[..12]} v{e.Entry.Version}"))} -> {path}"));
        return new DatasetPackReport(id, dataset.Version, path, size, written.Manifest.Digest, manifest.Budgets, manifest.Entries);
    }

    private static (PackagedEntry, string) Entry(Artifacts.ArtifactStore store, string kind, string key, string makeWith)
    {
        var entry = store.TryOpen(kind, key, out var problem)
            ?? throw new LopException(kind == DatasetStage.KindName ? ErrorCodes.PackDatasetNotCached : ErrorCodes.PackEntryNotCached,
                $"the cache {store.Root} holds no {kind} for these options (key {key[..12]}{(problem is null ? "" : "; " + problem)}); make it with `{makeWith}` first, or leave it out of --include.");
        return (new PackagedEntry(kind, key, entry.Version), store.FolderOf(kind, key));
    }
}
