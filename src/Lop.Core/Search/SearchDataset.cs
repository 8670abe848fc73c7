namespace Lop.Core.Search;

/// <summary>One MCTS tree of a budget: its seed and what it cost.</summary>
public sealed record SearchTree(long Seed, double Seconds, int Evaluations);

/// <summary>
/// Everything one budget's search evaluated, kept whole: the predictor's training data. With several
/// trees (<see cref="SearchSettings.SeedsPerBudget"/>) the records are their union (<see cref="BudgetUnion"/>)
/// and Seconds and Evaluations their sums.
/// </summary>
public sealed record DatasetBudget(double Budget, double Seconds, int Evaluations, IReadOnlyList<SearchRecord> Records)
{
    /// <summary>The trees searched for this budget, by seed; null in datasets written before trees were recorded (one tree, the settings' seed).</summary>
    public IReadOnlyList<SearchTree>? Trees { get; init; }

    /// <summary>The trees, with a dataset written before they were recorded read as the one tree of the settings' seed.</summary>
    public IReadOnlyList<SearchTree> TreesOr(long settingsSeed) => Trees ?? [new SearchTree(settingsSeed, Seconds, Evaluations)];

    public SearchRecord Best => Records.MaxBy(r => r.Reward)!;

    /// <summary>The <paramref name="count"/> best configurations (highest reward first).</summary>
    public IEnumerable<SearchRecord> Top(int count) => Records.OrderByDescending(r => r.Reward).ThenBy(r => r.Simulation).Take(count);
}

/// <summary>
/// A search dataset: per searched budget, every configuration MCTS evaluated with its reward, plus
/// exactly what produced them. Its cache key covers the model, calibration, importance and search
/// settings but not the budgets: searching more budgets extends the same dataset (a minor version).
/// </summary>
public sealed record SearchDataset
{
    /// <summary>The major version of every dataset: bump when the layout or the meaning of a record changes.</summary>
    public const int Schema = 1;

    public required string ModelFingerprint { get; init; }
    public required string CalibrationHash { get; init; }
    public required string Importance { get; init; }
    public required string ComputeDType { get; init; }
    public required SearchSettings Settings { get; init; }
    public required int RewardSequences { get; init; }
    public required IReadOnlyList<DatasetBudget> Budgets { get; init; }

    /// <summary>A dataset of these inputs with no budget yet.</summary>
    public static SearchDataset Empty(DatasetIdentity identity) => new()
    {
        ModelFingerprint = identity.ModelFingerprint,
        CalibrationHash = identity.CalibrationHash,
        Importance = identity.Importance,
        ComputeDType = identity.ComputeDType,
        Settings = identity.Settings,
        RewardSequences = identity.RewardSequences,
        Budgets = [],
    };

    public DatasetBudget? Find(double budget) => Budgets.FirstOrDefault(b => SameBudget(b.Budget, budget));

    public static bool SameBudget(double a, double b) => Math.Abs(a - b) < 1e-9;
}
