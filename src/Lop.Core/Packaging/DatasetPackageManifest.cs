using System.Text.Json;
using System.Text.Json.Serialization;
using Lop.Core.Pipeline;
using Lop.Core.Search;

namespace Lop.Core.Packaging;

/// <summary>One cache entry a dataset package carries, under <c>lop/&lt;kind&gt;/&lt;key&gt;/</c> with its entry.json.</summary>
public sealed record PackagedEntry(string Kind, string Key, string Version);

/// <summary>
/// <c>lop/package.json</c> of a dataset package: what the dataset was searched for (so a consumer can tell a
/// match from a mismatch without opening it), the entries it carries, and a digest over all of that and every
/// file's SHA-256, checked before anything is imported.
/// </summary>
public sealed record DatasetPackageManifest
{
    /// <summary>Bump when the layout changes; a reader refuses a format it does not know.</summary>
    public const int CurrentFormat = 1;

    public const string FileName = "package.json";

    /// <summary>The package folder that holds the manifest and the entries (a restored package's <c>lop/</c>).</summary>
    public const string ContentFolder = "lop";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public required int Format { get; init; }
    public required string Id { get; init; }
    public required string Version { get; init; }

    /// <summary>The model folder it was packed from, for people; matching uses the fingerprint.</summary>
    public required string Model { get; init; }

    public required DatasetIdentity Dataset { get; init; }
    public required IReadOnlyList<double> Budgets { get; init; }
    public required IReadOnlyList<PackagedEntry> Entries { get; init; }

    /// <summary>SHA-256 (hex) of <see cref="PackageDigest.Compute"/>'s lines.</summary>
    public required string Digest { get; init; }
}
