using Lop.Core.Search;
using Lop.Core.Shards;

namespace Lop.Core.Tests.Shards;

/// <summary>Hand-made search results and fragments: what a shard would write, without a model to search.</summary>
internal static class ShardFragments
{
    public const string Model = "0123456789abcdef0123456789abcdef";

    /// <summary>Records over 3 layers of 10 neurons; <paramref name="kept"/> per record, rewards from the kept total so equal configurations agree.</summary>
    public static SearchRecord[] Records(double budget, params int[][] kept) => kept.Select((k, simulation) =>
    {
        var reward = -1 - 0.01 * k[0] - 0.001 * k[1];
        return new SearchRecord(budget, k.Select(n => 1 - n / 10.0).ToArray(), k, reward, Math.Exp(-reward), simulation);
    }).ToArray();

    public static TreeResult Tree(long seed, double seconds, SearchRecord[] records) => new(new SearchTree(seed, seconds, records.Length), records);

    public static SearchFragment Fragment(double budget, int tree, long seed, SearchRecord[] records, SearchSettings? settings = null,
        string engine = "1.0.0", string model = Model, double seconds = 1.5)
    {
        var fragment = new SearchFragment
        {
            Format = SearchFragment.CurrentFormat,
            EngineVersion = engine,
            DatasetKey = "",
            ModelFingerprint = model,
            CalibrationHash = "cafebabecafebabecafebabecafebabe",
            Importance = "activation",
            ComputeDType = "f32",
            Settings = settings ?? new SearchSettings { SeedsPerBudget = 2 },
            RewardSequences = 4,
            Budget = budget,
            Tree = tree,
            Seed = seed,
            Seconds = seconds,
            Evaluations = records.Length,
            Records = records,
        };
        return fragment with { DatasetKey = FragmentFile.KeyOf(fragment) };
    }
}
