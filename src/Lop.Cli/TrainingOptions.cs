using System.CommandLine;
using System.Globalization;
using Lop.Core.Errors;
using Lop.Core.Predictor;
using Lop.Core.Search;
using Lop.Core.Settings;

namespace Lop.Cli;

/// <summary>Search and predictor options shared by search, train, predict and eval; defaults are the paper's.</summary>
internal sealed class TrainingOptions
{
    private readonly Option<string?> _budgets = new("--budgets") { Description = $"Budgets to search and train the predictor on (default {string.Join(",", PredictorTraining.DefaultBudgets)})." };
    private readonly Option<int?> _simulations = new("--simulations") { Description = $"MCTS simulations per budget (default {new SearchSettings().Simulations}, as in the paper)." };
    private readonly Option<int?> _seedsPerBudget = new("--seeds-per-budget")
    {
        Description = "Independent MCTS trees per budget (root-parallel search; default 1), seeded from --search-seed; each runs --simulations, which should be about 50 or more. A budget's configurations are the union of its trees'.",
    };
    private readonly Option<int?> _searchSeed = new("--search-seed") { Description = "Seed of the search and of predictor training." };
    private readonly Option<int> _rewardSequences = new("--reward-sequences")
    {
        Description = "Search-split sequences each MCTS candidate is scored on.",
        DefaultValueFactory = _ => PredictorTraining.DefaultRewardSequences,
    };
    private readonly Option<PredictorArchitecture> _architecture = new("--architecture")
    {
        Description = "Predictor: transformer (the paper's autoregressive one), encoder, mlp or bilstm.",
        DefaultValueFactory = _ => new PredictorSettings().Architecture,
    };
    private readonly Option<double?> _imageGapWeight = new("--image-gap-weight")
    {
        Description = "Image+text calibration only: add this weight x (NLL with wrong images - NLL with true images) to the search reward (default 0: the paper's reward).",
    };
    private readonly Option<int?> _stagedSequences = new("--staged-sequences")
    {
        Description = "Staged fidelity: score every candidate by its divergence from the full model on this many reward sequences first, and only the most promising by the reward on all of them (default 0: off).",
    };
    private readonly Option<int?> _promoteTop = new("--promote-top")
    {
        Description = $"With --staged-sequences: a candidate whose cheap score is among this many best so far is scored on every reward sequence (default {StagedFidelity.DefaultPromoteTop}).",
    };
    private readonly Option<int?> _tokenStride = new("--token-stride")
    {
        Description = "With --staged-sequences: the cheap stage scores every n-th next-token target only, the output layer running at those positions alone; records are always scored on every target (default 1: every target).",
    };
    private readonly Option<int?> _patience = new("--patience")
    {
        Description = "Stop a budget's search once this many simulations in a row have not improved the best reward (default 0: run every simulation).",
    };
    private readonly Option<int?> _epochs = new("--epochs") { Description = $"Predictor training epochs (default {new PredictorSettings().Epochs})." };
    private readonly Option<int> _top = new("--top")
    {
        Description = "Best configurations per budget the predictor learns from.",
        DefaultValueFactory = _ => PredictorTraining.DefaultTopConfigurations,
    };

    public void AddTo(Command command, bool architecture = true)
    {
        command.Options.Add(_budgets);
        command.Options.Add(_simulations);
        command.Options.Add(_seedsPerBudget);
        command.Options.Add(_searchSeed);
        command.Options.Add(_rewardSequences);
        command.Options.Add(_imageGapWeight);
        command.Options.Add(_stagedSequences);
        command.Options.Add(_promoteTop);
        command.Options.Add(_tokenStride);
        command.Options.Add(_patience);
        if (architecture)
        {
            command.Options.Add(_architecture);
        }
        command.Options.Add(_epochs);
        command.Options.Add(_top);
    }

    public PredictorTraining Bind(ParseResult result)
    {
        var search = new SearchSettings();
        var predictor = new PredictorSettings { Architecture = result.GetValue(_architecture) };
        if (result.GetValue(_simulations) is int simulations)
        {
            search = search with { Simulations = simulations };
        }
        if (result.GetValue(_seedsPerBudget) is int trees)
        {
            search = search with { SeedsPerBudget = trees };
        }
        if (result.GetValue(_imageGapWeight) is double gapWeight)
        {
            search = search with { ImageGapWeight = gapWeight };
        }
        search = search.WithCheaperSimulations(result.GetValue(_stagedSequences), result.GetValue(_promoteTop), result.GetValue(_tokenStride), result.GetValue(_patience));
        // Refused here, before the model is opened, with the setting named as the user wrote it.
        search.Validate();
        if (result.GetValue(_epochs) is int epochs)
        {
            predictor = predictor with { Epochs = epochs };
        }
        var budgets = result.GetValue(_budgets) is string text ? ParseBudgets("--budgets", text) : PredictorTraining.DefaultBudgets;
        var training = new PredictorTraining(budgets, search, predictor, result.GetValue(_top), result.GetValue(_rewardSequences));
        return result.GetValue(_searchSeed) is int seed ? training.WithSeed(seed) : training;
    }

    public static double[] ParseBudgets(string option, string text) => text.Split(',', StringSplitOptions.TrimEntries).Select((part, i) =>
        double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value < 1
            ? value
            : throw new LopException(ErrorCodes.InvalidRatio, $"{option}: '{part}' (position {i + 1}) is not a budget; a budget is the fraction of FFN neurons removed, at least 0 and below 1, e.g. 0.2,0.4,0.6.")).ToArray();
}
