using Lop.Core.Artifacts;
using Lop.Core.Progress;
using Lop.Core.Shards;

namespace Lop.Core.Jobs;

/// <param name="ModelFolder">optional: when given, every fragment must have been searched on this model (its fingerprint)</param>
public sealed record DatasetMergeRequest(IReadOnlyList<string> Folders, string? ModelFolder = null, string? CacheFolder = null);

/// <summary><c>dotnet lop datasets merge DIR...</c>: shard fragments into the cache's versioned dataset.</summary>
public static class DatasetMergeJob
{
    public static MergeReport Run(DatasetMergeRequest request, IJobProgress progress)
    {
        var store = new ArtifactStore(CacheRoot.Resolve(request.CacheFolder));
        string? fingerprint = null;
        if (request.ModelFolder is { } folder)
        {
            using var checkpoint = Formats.HfCheckpoint.Open(folder);
            fingerprint = checkpoint.Fingerprint(new FileDigestCache(store.Root), progress);
        }
        return FragmentMerge.Run(request.Folders, store, fingerprint, request.ModelFolder, progress);
    }
}
