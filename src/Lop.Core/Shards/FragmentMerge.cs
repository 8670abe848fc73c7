using System.Globalization;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Search;
using NuGet.Versioning;

namespace Lop.Core.Shards;

/// <summary>What a merge did: the dataset, its version, and whether it grew.</summary>
public sealed record MergeReport(string DatasetKey, string DatasetVersion, bool Changed, int Fragments, int TreesAdded, string File,
    IReadOnlyList<MergedBudget> Budgets);

public sealed record MergedBudget(double Budget, int Trees, int Records, double BestPerplexity);

/// <summary>
/// Folds shard fragments into the versioned dataset in the artifact cache: a set union of search units
/// (<see cref="DatasetUnion"/>), so merging the same fragments again, in any order or grouping, changes
/// nothing and writes no new version. Every fragment is verified first and all must belong to one dataset
/// from one engine version; a stray is refused by name before anything is written.
/// </summary>
internal static class FragmentMerge
{
    private static readonly DatasetStage Datasets = new();

    /// <param name="modelFingerprint">the fingerprint of the model the user named, or null to trust the fragments' agreement</param>
    /// <param name="modelFolder">that model's folder, recorded in the cache entry; null when none was named</param>
    public static MergeReport Run(IReadOnlyList<string> folders, ArtifactStore store, string? modelFingerprint, string? modelFolder, IJobProgress progress)
    {
        var fragments = FragmentFile.Find(folders)
            .Select(path => (Path: path, Fragment: FragmentFile.Read(path)))
            // The same fragment in two folders is one fragment: its name is its content.
            .DistinctBy(f => Path.GetFileName(f.Path))
            .OrderBy(f => Path.GetFileName(f.Path), StringComparer.Ordinal)
            .ToList();
        if (modelFingerprint is not null && fragments.FirstOrDefault(f => f.Fragment.ModelFingerprint != modelFingerprint) is { Path: not null } foreign)
        {
            throw new LopException(ErrorCodes.FragmentModelMismatch,
                $"the fragment was searched on model {foreign.Fragment.ModelFingerprint[..12]}, not on the model named by --model ({modelFingerprint[..12]}); merge it without --model, or with the model its shard searched.",
                foreign.Path);
        }
        var identity = Majority(fragments, f => f.Fragment.DatasetKey, out var keyStray);
        var reference = fragments.First(f => f.Fragment.DatasetKey == identity).Fragment.Identity;
        if (keyStray is { } stray)
        {
            throw new LopException(ErrorCodes.FragmentMismatch,
                $"the fragment belongs to another dataset than the other fragments ({string.Join("; ", stray.Fragment.Identity.Differences(reference))}); merge each search's fragments on their own.",
                stray.Path);
        }
        var engine = Majority(fragments, f => f.Fragment.EngineVersion, out var engineStray);
        if (engineStray is { } old)
        {
            throw new LopException(ErrorCodes.FragmentEngineMismatch,
                $"the fragment was searched by engine {old.Fragment.EngineVersion}, the others by {engine}; searches of different engines need not agree. Search that shard again with {engine}.",
                old.Path);
        }

        var file = Datasets.PayloadPath(store, reference.Key);
        var cached = Datasets.TryLoad(store, reference.Key, out var problem);
        if (problem is not null)
        {
            progress.Info("warning: " + problem);
        }
        var before = cached?.Value ?? SearchDataset.Empty(reference);
        var dataset = DatasetUnion.Add(before, fragments.Select(f => (f.Fragment.Budget, f.Fragment.ToTree())));
        var added = Trees(dataset) - Trees(before);
        NuGetVersion version;
        var changed = !ReferenceEquals(dataset, before);
        if (changed)
        {
            version = cached is { Version: var previous } ? new NuGetVersion(previous.Major, previous.Minor + 1, 0) : Datasets.FirstVersion;
            // Without --model the entry keeps the model folder a local search recorded, if any: it is only for people listing the cache.
            var model = modelFolder ?? store.TryOpen(DatasetStage.KindName, reference.Key, out _)?.Inputs.GetValueOrDefault("model") ?? "(merged from search fragments)";
            var inputs = DatasetStage.Describe(dataset, model);
            inputs["engine"] = engine;
            Datasets.Save(store, reference.Key, dataset, version, inputs);
            progress.Info(string.Create(CultureInfo.InvariantCulture,
                $"merge: {fragments.Count} fragment(s) added {added} tree(s) to dataset {reference.Key[..12]}, now v{version.ToNormalizedString()} ({file})"));
        }
        else
        {
            version = cached!.Value.Version;
            progress.Info(string.Create(CultureInfo.InvariantCulture,
                $"merge: dataset {reference.Key[..12]} v{version.ToNormalizedString()} already holds all {fragments.Count} fragment(s); nothing written"));
        }
        var budgets = dataset.Budgets.Select(b => new MergedBudget(b.Budget, b.TreesOr(dataset.Settings.Seed).Count, b.Records.Count, b.Best.Perplexity)).ToList();
        return new MergeReport(reference.Key, version.ToNormalizedString(), changed, fragments.Count, added, file, budgets);
    }

    private static int Trees(SearchDataset dataset) => dataset.Budgets.Sum(b => b.TreesOr(dataset.Settings.Seed).Count);

    /// <summary>
    /// The value most fragments share (ties to the ordinal-smallest, so the verdict does not depend on the
    /// order fragments were found in) and the first fragment, by name, that does not share it.
    /// </summary>
    private static string Majority(List<(string Path, SearchFragment Fragment)> fragments, Func<(string Path, SearchFragment Fragment), string> value,
        out (string Path, SearchFragment Fragment)? stray)
    {
        var winner = fragments.GroupBy(value)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .First().Key;
        stray = fragments.Where(f => value(f) != winner).Select(f => ((string, SearchFragment)?)f).FirstOrDefault();
        return winner;
    }
}
