using Lop.Core.Search;

namespace Lop.Core.Shards;

/// <summary>
/// One search unit's result as a shard writes it: the tree's records and costs, with everything that
/// identifies the dataset it belongs to (the inputs of its cache key) and the engine that searched it,
/// so a merge can tell fragments of one run from strays without the model at hand.
/// Stored as canonical JSON named by its SHA-256 (<see cref="FragmentFile"/>).
/// </summary>
public sealed record SearchFragment
{
    /// <summary>The format and its major version: bump when the layout or a field's meaning changes.</summary>
    public const string CurrentFormat = "lop-search-fragment/1";

    public required string Format { get; init; }

    public required string EngineVersion { get; init; }

    /// <summary>The cache key of the dataset this fragment belongs to; it must agree with the fields below.</summary>
    public required string DatasetKey { get; init; }

    public required string ModelFingerprint { get; init; }

    public required string CalibrationHash { get; init; }

    public required string Importance { get; init; }

    public required string ComputeDType { get; init; }

    public required SearchSettings Settings { get; init; }

    public required int RewardSequences { get; init; }

    public required double Budget { get; init; }

    /// <summary>The tree's index among the budget's trees (0 searches with the settings' seed).</summary>
    public required int Tree { get; init; }

    public required long Seed { get; init; }

    public required double Seconds { get; init; }

    public required int Evaluations { get; init; }

    public required IReadOnlyList<SearchRecord> Records { get; init; }

    /// <summary>The fragment of one searched unit of the dataset <paramref name="identity"/> names, by engine <paramref name="engineVersion"/>.</summary>
    public static SearchFragment Of(DatasetIdentity identity, SearchUnit unit, TreeResult tree, string engineVersion) => new()
    {
        Format = CurrentFormat,
        EngineVersion = engineVersion,
        DatasetKey = identity.Key,
        ModelFingerprint = identity.ModelFingerprint,
        CalibrationHash = identity.CalibrationHash,
        Importance = identity.Importance,
        ComputeDType = identity.ComputeDType,
        Settings = identity.Settings,
        RewardSequences = identity.RewardSequences,
        Budget = unit.Budget,
        Tree = unit.Tree,
        Seed = unit.Seed,
        Seconds = tree.Tree.Seconds,
        Evaluations = tree.Tree.Evaluations,
        Records = tree.Records,
    };

    public SearchUnit Unit => new(Budget, Tree, Seed);

    public DatasetIdentity Identity => new(DatasetKey, ModelFingerprint, CalibrationHash, Importance, ComputeDType, Settings, RewardSequences);

    public TreeResult ToTree() => new(new SearchTree(Seed, Seconds, Evaluations), Records);
}
