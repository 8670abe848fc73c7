using NuGet.Versioning;

namespace Lop.Core.Artifacts;

/// <summary>One file of an entry, with the hash that proves it intact.</summary>
public sealed record ArtifactFile(string Name, long Bytes, string Sha256);

/// <summary>
/// What entry.json says about a cached artifact: its kind (importance, dataset, predictor), the key
/// (a hash of exactly its inputs), a SemVer whose major is the schema, a readable description of the
/// inputs for <c>dotnet lop cache list</c>, and its files with their hashes.
/// </summary>
public sealed record ArtifactEntry
{
    public required string Kind { get; init; }
    public required string Key { get; init; }
    public required string Version { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }
    public required IReadOnlyList<ArtifactFile> Files { get; init; }

    public NuGetVersion ParsedVersion => NuGetVersion.Parse(Version);

    public long Bytes => Files.Sum(f => f.Bytes);
}
