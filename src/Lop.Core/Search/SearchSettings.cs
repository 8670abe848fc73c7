using System.Globalization;
using Lop.Core.Errors;
using Lop.Core.Allocation;

namespace Lop.Core.Search;

/// <summary>
/// How <see cref="MctsSearch"/> explores one budget. Defaults are the paper's (LOP, appendix A.3):
/// 300 simulations, up to 4 children a node, c = 1.4, perturbations of max(0.1 x 0.9^depth, 0.01).
/// </summary>
public sealed record SearchSettings
{
    public int Simulations { get; init; } = 300;

    /// <summary>Children a node gets before the search descends below it (progressive widening).</summary>
    public int MaxChildren { get; init; } = 4;

    /// <summary>c in mean + c x sqrt(ln N_parent / n_child).</summary>
    public double Exploration { get; init; } = 1.4;

    /// <summary>
    /// Scale the mean rewards in UCB to [0, 1] by the smallest and largest reward seen so far (as MuZero
    /// does). <b>Ours:</b> the paper's rewards are accuracies; ours are NLLs whose differences between
    /// configurations are a few hundredths, which c = 1.4 would drown, leaving a breadth-first walk.
    /// Off gives the paper's raw form.
    /// </summary>
    public bool NormalizeRewards { get; init; } = true;

    /// <summary>Half-width of a child's per-layer perturbation below the root: delta(depth) = max(Initial x Decay^depth, Min).</summary>
    public double InitialDelta { get; init; } = 0.1;

    public double DeltaDecay { get; init; } = 0.9;

    public double MinDelta { get; init; } = 0.01;

    /// <summary>Smallest ratio of a layer.</summary>
    public double LowerBound { get; init; } = BudgetProjection.DefaultLowerBound;

    /// <summary>Largest ratio of a layer (0.9 keeps at least a tenth).</summary>
    public double UpperBound { get; init; } = BudgetProjection.DefaultUpperBound;

    /// <summary>The bounds as the allocation step takes them (a method, so the settings' JSON in cache keys is unchanged).</summary>
    internal RatioBounds Bounds() => new(LowerBound, UpperBound);

    public long Seed { get; init; } = 1234;

    private readonly int? _seedsPerBudget;

    /// <summary>
    /// <b>Ours:</b> independent MCTS trees per budget (root parallelism), each seeded by <see cref="TreeSeed"/>
    /// and running <see cref="Simulations"/> simulations; a budget's records are the union of its trees'.
    /// Trees share nothing, so they can run as separate shards. Each tree needs about 50 simulations or
    /// more to get below its first perturbations. Null means one tree; 1 is stored as null so that the
    /// settings' JSON in cache keys is the same as before the option existed.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? SeedsPerBudget
    {
        get => _seedsPerBudget;
        init => _seedsPerBudget = value == 1 ? null : value;
    }

    /// <summary>Trees per budget (a method, so the settings' JSON in cache keys is unchanged).</summary>
    internal int Trees() => SeedsPerBudget ?? 1;

    /// <summary>
    /// The seed of tree <paramref name="tree"/>: tree 0 is <see cref="Seed"/> itself, so one tree searches as
    /// before; later trees draw from SplitMix64 seeded by the seed and the tree index, far apart for neighbouring seeds.
    /// </summary>
    internal long TreeSeed(int tree) => tree == 0
        ? Seed
        : unchecked((long)new Calibration.SplitMix64((ulong)Seed ^ ((ulong)tree * 0xD1B54A32D192ED03UL)).NextUInt64());

    /// <summary>Sequences per forward pass when a candidate is evaluated.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// <b>Ours, off by default:</b> with image+text calibration, the reward adds this weight x (mean NLL with
    /// wrong images - mean NLL with the true ones), so configurations that keep the model's use of its
    /// images score higher. 0 is the paper's reward (the true-image loss alone). Left out of cache keys
    /// when 0, so datasets searched without it are reused.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public double ImageGapWeight { get; init; }

    /// <summary>Perturbation half-width for the children of a node at <paramref name="depth"/> (the root is 0): finer as the tree deepens.</summary>
    public double Delta(int depth) => Math.Max(InitialDelta * Math.Pow(DeltaDecay, depth), MinDelta);

    public void Validate()
    {
        static void Require(bool condition, string message)
        {
            if (!condition)
            {
                throw new LopException(ErrorCodes.InvalidArgument, "search settings: " + message);
            }
        }

        var c = CultureInfo.InvariantCulture;
        Require(Simulations >= 0, string.Create(c, $"simulations is {Simulations}; it must be 0 or more."));
        Require(MaxChildren >= 1, string.Create(c, $"max children is {MaxChildren}; a node needs at least one child."));
        Require(Exploration >= 0 && double.IsFinite(Exploration), string.Create(c, $"exploration is {Exploration}; it must be a finite number, 0 or more."));
        Require(InitialDelta > 0 && MinDelta > 0 && DeltaDecay > 0 && DeltaDecay <= 1 && double.IsFinite(InitialDelta) && double.IsFinite(MinDelta),
            string.Create(c, $"perturbation ({InitialDelta} x {DeltaDecay}^depth, at least {MinDelta}) must be positive, with a decay in (0, 1]."));
        Require(LowerBound >= 0 && LowerBound <= UpperBound && UpperBound < 1,
            string.Create(c, $"ratio bounds are [{LowerBound}, {UpperBound}]; they must satisfy 0 <= lower <= upper < 1."));
        Require(ImageGapWeight >= 0 && double.IsFinite(ImageGapWeight), string.Create(c, $"image gap weight is {ImageGapWeight}; it must be a finite number, 0 or more."));
        Require(SeedsPerBudget is null or >= 1, string.Create(c, $"seeds per budget is {SeedsPerBudget}; a budget needs at least one tree."));
        Require(BatchSize >= 1, string.Create(c, $"batch size is {BatchSize}; it must be at least 1."));
    }
}
