using Lop.Core.Predictor;
using Lop.Core.Search;

namespace Lop.Core.Settings;

/// <summary>
/// What a predictor is trained from; every field is part of its cache key (serialized as JSON, so the
/// properties keep their names and order). The defaults are those of lop.yaml's search and predictor
/// sections, the CLI's training options and the init template.
/// </summary>
public sealed record PredictorTraining(
    IReadOnlyList<double> Budgets,
    SearchSettings Search,
    PredictorSettings Predictor,
    int TopConfigurations = PredictorTraining.DefaultTopConfigurations,
    int RewardSequences = PredictorTraining.DefaultRewardSequences)
{
    /// <summary>Best configurations per budget used for training (the paper speaks of 200 in all).</summary>
    public const int DefaultTopConfigurations = 32;

    /// <summary>
    /// Search-split sequences each candidate is scored on. The paper scores on a benchmark's validation
    /// set; a few thousand tokens rank configurations reliably and keep 300 simulations in minutes.
    /// </summary>
    public const int DefaultRewardSequences = 32;

    /// <summary>Fractions of all FFN neurons removed that the search explores and the predictor learns from.</summary>
    public static IReadOnlyList<double> DefaultBudgets { get; } = Array.AsReadOnly([0.2, 0.4, 0.6, 0.8]);

    /// <summary>Every default: the paper's search and predictor, the default budgets.</summary>
    public static PredictorTraining Default => new(DefaultBudgets, new SearchSettings(), new PredictorSettings());

    /// <summary>
    /// One seed for the whole training: the search's and the predictor's. lop.yaml's search.seed and the
    /// CLI's --search-seed both set it this way, so a config and a command line with the same seed agree.
    /// </summary>
    public PredictorTraining WithSeed(long seed) => this with
    {
        Search = Search with { Seed = seed },
        Predictor = Predictor with { Seed = seed },
    };
}
