using System.Globalization;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Search;
using Lop.Core.Shards;

namespace Lop.Core.Jobs;

public sealed record ShardSearchRequest(SearchRequest Search, ShardSpec Shard, string OutFolder);

/// <param name="Fragments">the fragment files of this shard's units, written now or found in the folder from an earlier attempt</param>
public sealed record ShardSearchReport(string DatasetKey, int Index, int Count, string ShardSource, int Units, int UnitsTotal,
    IReadOnlyList<ShardUnitSummary> Fragments);

public sealed record ShardUnitSummary(double Budget, int Tree, long Seed, string Fragment, bool FromEarlierRun, int Evaluations, double Seconds, double BestPerplexity);

/// <summary>
/// <c>dotnet lop search --shard i/N --out DIR</c>: this shard's share of the search units (unit k when
/// k mod N = i), one fragment each in DIR. A unit whose fragment DIR already holds (a retried pod, a rerun
/// CI job) is not searched again. The cache's dataset is neither read nor written: <c>datasets merge</c> does that.
/// </summary>
public static class ShardSearchJob
{
    public static ShardSearchReport Run(ShardSearchRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        var search = request.Search;
        search.Settings.Validate();
        var units = SearchUnit.All(search.Budgets, search.Settings);
        var mine = units.Select((unit, k) => (unit, k)).Where(u => request.Shard.Owns(u.k)).Select(u => u.unit).ToList();
        progress.Info(string.Create(CultureInfo.InvariantCulture,
            $"{request.Shard}: {mine.Count} of {units.Count} units ({units.Count / Math.Max(1, search.Settings.Trees())} budgets x {search.Settings.Trees()} trees) into {Path.GetFullPath(request.OutFolder)}"));
        using var pipeline = ModelPipeline.Open(search.ModelFolder, search.Calibration, search.DType, search.CacheFolder, progress);
        pipeline.EnsureFeasible(search.Budgets, search.Settings);
        var identity = pipeline.DatasetIdentity(search.Settings, search.RewardSequences);
        var earlier = Earlier(request.OutFolder, identity.Key);
        var summaries = new List<ShardUnitSummary>();
        foreach (var unit in mine)
        {
            if (earlier.FirstOrDefault(f => SearchDataset.SameBudget(f.Fragment.Budget, unit.Budget) && f.Fragment.Seed == unit.Seed) is { Path: not null } done)
            {
                progress.Info($"search {unit.Budget:0.###} tree {unit.Tree} (seed {unit.Seed}): already in {Path.GetFileName(done.Path)}; not searched again");
                summaries.Add(Summary(unit, done.Path, done.Fragment.ToTree(), fromEarlierRun: true));
                continue;
            }
            var tree = pipeline.SearchOne(unit, search.Settings, search.RewardSequences, cancellation);
            var path = FragmentFile.Write(request.OutFolder, SearchFragment.Of(identity, unit, tree, VariantManifest.EngineVersionString()));
            progress.Info($"search {unit.Budget:0.###} tree {unit.Tree} (seed {unit.Seed}): {tree.Records.Count} configurations -> {Path.GetFileName(path)}");
            summaries.Add(Summary(unit, path, tree, fromEarlierRun: false));
        }
        return new ShardSearchReport(identity.Key, request.Shard.Index, request.Shard.Count, request.Shard.Source, mine.Count, units.Count, summaries);
    }

    private static ShardUnitSummary Summary(SearchUnit unit, string path, TreeResult tree, bool fromEarlierRun) =>
        new(unit.Budget, unit.Tree, unit.Seed, Path.GetFileName(path), fromEarlierRun, tree.Tree.Evaluations, tree.Tree.Seconds, tree.Records.MaxBy(r => r.Reward)!.Perplexity);

    /// <summary>Fragments of this dataset already in the output folder; anything else there (other datasets, damaged files) is left to the merge to judge.</summary>
    private static List<(string Path, SearchFragment Fragment)> Earlier(string folder, string datasetKey)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }
        var found = new List<(string, SearchFragment)>();
        foreach (var path in Directory.EnumerateFiles(folder, "*" + FragmentFile.Suffix).Order(StringComparer.Ordinal))
        {
            try
            {
                var fragment = FragmentFile.Read(path);
                if (fragment.DatasetKey == datasetKey)
                {
                    found.Add((path, fragment));
                }
            }
            catch (Errors.LopException)
            {
                // Not reusable; searching the unit again writes a good fragment beside it.
            }
        }
        return found;
    }
}
