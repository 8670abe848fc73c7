using Lop.Core.Predictor;
using Lop.Core.Settings;
using YamlDotNet.RepresentationModel;
using Lop.Core.Calibration;
using static Lop.Core.Config.ConfigValues;
using static Lop.Core.Config.YamlSource;
using C = Lop.Core.Config.LopYamlKeys.Calibration;
using O = Lop.Core.Config.LopYamlKeys.Output;
using P = Lop.Core.Config.LopYamlKeys.Predictor;
using S = Lop.Core.Config.LopYamlKeys.Search;

namespace Lop.Core.Config;

/// <summary>
/// Binds lop.yaml's sections to the settings records. Every key left out keeps the record's own default
/// (the same defaults the CLI and <see cref="LopConfigTemplate"/> use); whether the files named exist and
/// whether the targets can be met is for <see cref="ConfigChecks"/>.
/// </summary>
internal sealed class ConfigBinder(ConfigValues values)
{
    public static readonly string[] TopKeys = LopYamlKeys.Root.KeyNameArray;
    private static readonly string[] Formats = LopYamlKeys.Formats.Choices.ToArray();
    private static readonly string[] CalibrationKeys = LopYamlKeys.Calibration.Section.KeyNameArray;
    private static readonly string[] SearchKeys = LopYamlKeys.Search.Section.KeyNameArray;
    private static readonly string[] PredictorKeys = LopYamlKeys.Predictor.Section.KeyNameArray;
    private static readonly string[] OutputKeys = LopYamlKeys.Output.Section.KeyNameArray;

    /// <summary>The calibration options and the node of their path (for the existence check), or null when there is no usable path.</summary>
    public (CalibrationOptions Options, YamlNode PathNode)? Calibration(YamlNode? node)
    {
        if (node is null)
        {
            return null;
        }
        YamlNode? pathNode = node;
        var options = new CalibrationOptions("");
        if (node is YamlMappingNode map)
        {
            var fields = values.Fields(map, C.Section.Name, CalibrationKeys);
            pathNode = values.Require(map, fields, C.Path.Name, C.Section.Name, "the calibration text file");
            if (Get(fields, C.SequenceLength.Name) is { } length && values.Integer(length, C.SequenceLength.Under(C.Section), C.SequenceLength.IntegerMinimum) is int sequenceLength)
            {
                options = options with { SequenceLength = sequenceLength };
            }
            if (Get(fields, C.HeldOut.Name) is { } heldOutNode && values.Number(heldOutNode, C.HeldOut.Under(C.Section), C.HeldOut.Range.Contains, "a fraction above 0 and below 1, e.g. 0.25 (perplexity and the baselines are scored on the held-out split, so it cannot be empty)") is double heldOut)
            {
                options = options with { HeldOutFraction = heldOut };
            }
            if (Get(fields, C.Seed.Name) is { } seedNode && values.Integer(seedNode, C.Seed.Under(C.Section), C.Seed.IntegerMinimum) is int seed)
            {
                options = options with { Seed = seed };
            }
            if (Get(fields, C.MaxSequences.Name) is { } maxNode && !IsNull(maxNode) && values.Integer(maxNode, C.MaxSequences.Under(C.Section), 1) is int max)
            {
                if (max < C.MaxSequences.IntegerMinimum)
                {
                    // The split keeps at least one sequence on each side; with one sequence there is nothing to split.
                    values.Diagnostics.Invalid(maxNode, $"calibration.maxSequences is {max}; expected at least {C.MaxSequences.IntegerMinimum}: one sequence for the search and one held out.");
                }
                else
                {
                    options = options with { MaxSequences = max };
                }
            }
        }
        if (pathNode is null || values.PathOf(pathNode, C.Section.Name) is not { } path)
        {
            return null;
        }
        return (options with { Path = path }, pathNode);
    }

    public string DType(YamlNode? node) =>
        node is null ? ComputeSettings.DefaultDType : values.Choice(node, LopYamlKeys.DType.Name, LopYamlKeys.DType.Choices) ?? ComputeSettings.DefaultDType;

    public PredictorTraining Training(YamlNode? searchNode, YamlNode? predictorNode)
    {
        var training = PredictorTraining.Default;
        if (values.Section(searchNode, S.Section.Name, SearchKeys) is { } s)
        {
            var budgetNodes = Get(s, S.Budgets.Name) is { } budgetsNode ? Budgets(budgetsNode) : null;
            if (budgetNodes is not null)
            {
                training = training with { Budgets = budgetNodes.Select(b => b.Value).ToArray() };
            }
            if (Get(s, S.Simulations.Name) is { } simulationsNode && values.Integer(simulationsNode, S.Simulations.Under(S.Section), S.Simulations.IntegerMinimum) is int simulations)
            {
                training = training with { Search = training.Search with { Simulations = simulations } };
            }
            if (Get(s, S.SeedsPerBudget.Name) is { } treesNode && values.Integer(treesNode, S.SeedsPerBudget.Under(S.Section), S.SeedsPerBudget.IntegerMinimum) is int trees)
            {
                training = training with { Search = training.Search with { SeedsPerBudget = trees } };
            }
            if (Get(s, S.RewardSequences.Name) is { } rewardNode && values.Integer(rewardNode, S.RewardSequences.Under(S.Section), S.RewardSequences.IntegerMinimum) is int reward)
            {
                training = training with { RewardSequences = reward };
            }
            if (Get(s, S.Seed.Name) is { } seedNode && values.Integer(seedNode, S.Seed.Under(S.Section), S.Seed.IntegerMinimum) is int seed)
            {
                training = training.WithSeed(seed);
            }
            if (Get(s, S.MaxPruneRatio.Name) is { } ratioNode && values.Number(ratioNode, S.MaxPruneRatio.Under(S.Section), S.MaxPruneRatio.Range.Contains, "a fraction above 0 and below 1, e.g. 0.9") is double upper)
            {
                training = training with { Search = training.Search with { UpperBound = upper } };
            }
            if (Get(s, S.ImageGapWeight.Name) is { } gapNode && values.Number(gapNode, S.ImageGapWeight.Under(S.Section), S.ImageGapWeight.Range.Contains, "a weight of 0 or more, e.g. 1") is double gapWeight)
            {
                training = training with { Search = training.Search with { ImageGapWeight = gapWeight } };
            }
            int? Optional(ConfigKey key) => Get(s, key.Name) is { } node ? values.Integer(node, key.Under(S.Section), key.IntegerMinimum) : null;
            training = training with
            {
                Search = training.Search.WithCheaperSimulations(Optional(S.StagedSequences), Optional(S.PromoteTop), Optional(S.TokenStride), Optional(S.Patience)),
            };
            BudgetsWithinBound(budgetNodes, training.Search.UpperBound, Get(s, S.MaxPruneRatio.Name) is not null);
            if (training.Search.TokenStride is > 1 && training.Search.Staged is null && Get(s, S.TokenStride.Name) is { } strideNode)
            {
                values.Diagnostics.Invalid(strideNode, $"search.tokenStride is {training.Search.TokenStride}, but the stride thins the cheap stage of staged fidelity only, and search.stagedSequences is not set. Set search.stagedSequences (e.g. 2), or remove search.tokenStride.");
            }
        }
        if (values.Section(predictorNode, P.Section.Name, PredictorKeys) is { } p)
        {
            if (Get(p, P.Architecture.Name) is { } architectureNode
                && values.Choice(architectureNode, P.Architecture.Under(P.Section), P.Architecture.Choices) is { } architecture)
            {
                training = training with { Predictor = training.Predictor with { Architecture = Enum.Parse<PredictorArchitecture>(architecture, ignoreCase: true) } };
            }
            if (Get(p, P.Epochs.Name) is { } epochsNode && values.Integer(epochsNode, P.Epochs.Under(P.Section), P.Epochs.IntegerMinimum) is int epochs)
            {
                training = training with { Predictor = training.Predictor with { Epochs = epochs } };
            }
            if (Get(p, P.Top.Name) is { } topNode && values.Integer(topNode, P.Top.Under(P.Section), P.Top.IntegerMinimum) is int top)
            {
                training = training with { TopConfigurations = top };
            }
        }
        return training;
    }

    private (YamlNode Node, double Value)[]? Budgets(YamlNode node)
    {
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            values.Diagnostics.Invalid(node, $"search.budgets is {Describe(node)}; expected a non-empty list of fractions of FFN neurons to remove, e.g. [0.2, 0.4, 0.6, 0.8].");
            return null;
        }
        var budgets = list.Children.Select(b => (Node: b, Value: values.Number(b, "a budget", S.Budgets.Range.Contains, "a fraction at least 0 and below 1"))).ToArray();
        return budgets.All(b => b.Value is not null) ? budgets.Select(b => (b.Node, b.Value!.Value)).ToArray() : null;
    }

    /// <summary>
    /// No layer loses more than maxPruneRatio of its neurons, so no allocation removes more than that overall:
    /// a budget above it would pass here and fail in the search's projection, without a position.
    /// </summary>
    private void BudgetsWithinBound((YamlNode Node, double Value)[]? budgets, double upperBound, bool boundGiven)
    {
        foreach (var (node, budget) in budgets ?? [])
        {
            if (budget > upperBound)
            {
                var bound = Format(upperBound);
                var origin = boundGiven ? $"search.maxPruneRatio {bound}" : $"the maximum prune ratio {bound} (search.maxPruneRatio, the default)";
                values.Diagnostics.Invalid(node, $"a budget of {Format(budget)} is above {origin}: no layer may lose more than that fraction of its FFN neurons, so no allocation removes more. Lower the budget or raise search.maxPruneRatio.");
            }
        }
    }

    private static string Format(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>output: path, or the short form output: path; the default is lop-variants beside lop.yaml.</summary>
    public string Output(YamlNode? node)
    {
        var fallback = Path.Combine(values.Folder, LopConfig.DefaultOutputFolder);
        if (node is null || IsNull(node))
        {
            return fallback;
        }
        if (node is YamlMappingNode map)
        {
            var fields = values.Fields(map, O.Section.Name, OutputKeys);
            return Get(fields, O.Path.Name) is { } pathNode && !IsNull(pathNode) ? values.PathOf(pathNode, O.Path.Under(O.Section)) ?? fallback : fallback;
        }
        return values.PathOf(node, O.Section.Name) ?? fallback;
    }

    /// <summary>formats: [safetensors] or [safetensors, gguf] (safetensors is always written: the GGUF is made from it).</summary>
    public string[] FormatList(YamlNode? node)
    {
        if (node is null)
        {
            return [LopConfig.SafetensorsFormat];
        }
        var items = node is YamlSequenceNode list ? list.Children.ToList() : [node];
        var formats = new List<string> { LopConfig.SafetensorsFormat };
        foreach (var item in items)
        {
            if (values.Choice(item, LopYamlKeys.Formats.Name, Formats) is { } format && !formats.Contains(format))
            {
                formats.Add(format);
            }
        }
        return formats.ToArray();
    }

    /// <summary>cache: a folder, or null for the default per-user cache.</summary>
    public string? Cache(YamlNode? node) => node is not null && !IsNull(node) ? values.PathOf(node, LopYamlKeys.Cache.Name) : null;
}
