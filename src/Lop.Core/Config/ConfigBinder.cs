using Lop.Core.Predictor;
using Lop.Core.Settings;
using YamlDotNet.RepresentationModel;
using Lop.Core.Calibration;
using static Lop.Core.Config.ConfigValues;
using static Lop.Core.Config.YamlSource;

namespace Lop.Core.Config;

/// <summary>
/// Binds lop.yaml's sections to the settings records. Every key left out keeps the record's own default
/// (the same defaults the CLI and <see cref="LopConfigTemplate"/> use); whether the files named exist and
/// whether the targets can be met is for <see cref="ConfigChecks"/>.
/// </summary>
internal sealed class ConfigBinder(ConfigValues values)
{
    public static readonly string[] TopKeys = ["model", "calibration", "dtype", "search", "predictor", "output", "formats", "cache", "targets"];
    private static readonly string[] Formats = [LopConfig.SafetensorsFormat, LopConfig.GgufFormat];
    private static readonly string[] CalibrationKeys = ["path", "sequenceLength", "heldOut", "seed", "maxSequences"];
    private static readonly string[] SearchKeys = ["budgets", "simulations", "rewardSequences", "seed", "maxPruneRatio", "imageGapWeight"];
    private static readonly string[] PredictorKeys = ["architecture", "epochs", "top"];
    private static readonly string[] OutputKeys = ["path"];

    /// <summary>One search and one held-out sequence: the least a calibration split can be.</summary>
    private const int MinSequences = 2;

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
            var fields = values.Fields(map, "calibration", CalibrationKeys);
            pathNode = values.Require(map, fields, "path", "calibration", "the calibration text file");
            if (Get(fields, "sequenceLength") is { } length && values.Integer(length, "calibration.sequenceLength", 2) is int sequenceLength)
            {
                options = options with { SequenceLength = sequenceLength };
            }
            if (Get(fields, "heldOut") is { } heldOutNode && values.Number(heldOutNode, "calibration.heldOut", v => v > 0 && v < 1, "a fraction above 0 and below 1, e.g. 0.25 (perplexity and the baselines are scored on the held-out split, so it cannot be empty)") is double heldOut)
            {
                options = options with { HeldOutFraction = heldOut };
            }
            if (Get(fields, "seed") is { } seedNode && values.Integer(seedNode, "calibration.seed", int.MinValue) is int seed)
            {
                options = options with { Seed = seed };
            }
            if (Get(fields, "maxSequences") is { } maxNode && !IsNull(maxNode) && values.Integer(maxNode, "calibration.maxSequences", 1) is int max)
            {
                if (max < MinSequences)
                {
                    // The split keeps at least one sequence on each side; with one sequence there is nothing to split.
                    values.Diagnostics.Invalid(maxNode, $"calibration.maxSequences is {max}; expected at least {MinSequences}: one sequence for the search and one held out.");
                }
                else
                {
                    options = options with { MaxSequences = max };
                }
            }
        }
        if (pathNode is null || values.PathOf(pathNode, "calibration") is not { } path)
        {
            return null;
        }
        return (options with { Path = path }, pathNode);
    }

    public string DType(YamlNode? node) =>
        node is null ? ComputeSettings.DefaultDType : values.Choice(node, "dtype", ComputeSettings.DTypes) ?? ComputeSettings.DefaultDType;

    public PredictorTraining Training(YamlNode? searchNode, YamlNode? predictorNode)
    {
        var training = PredictorTraining.Default;
        if (values.Section(searchNode, "search", SearchKeys) is { } s)
        {
            var budgetNodes = Get(s, "budgets") is { } budgetsNode ? Budgets(budgetsNode) : null;
            if (budgetNodes is not null)
            {
                training = training with { Budgets = budgetNodes.Select(b => b.Value).ToArray() };
            }
            if (Get(s, "simulations") is { } simulationsNode && values.Integer(simulationsNode, "search.simulations", 0) is int simulations)
            {
                training = training with { Search = training.Search with { Simulations = simulations } };
            }
            if (Get(s, "rewardSequences") is { } rewardNode && values.Integer(rewardNode, "search.rewardSequences", 1) is int reward)
            {
                training = training with { RewardSequences = reward };
            }
            if (Get(s, "seed") is { } seedNode && values.Integer(seedNode, "search.seed", int.MinValue) is int seed)
            {
                training = training.WithSeed(seed);
            }
            if (Get(s, "maxPruneRatio") is { } ratioNode && values.Number(ratioNode, "search.maxPruneRatio", v => v > 0 && v < 1, "a fraction above 0 and below 1, e.g. 0.9") is double upper)
            {
                training = training with { Search = training.Search with { UpperBound = upper } };
            }
            if (Get(s, "imageGapWeight") is { } gapNode && values.Number(gapNode, "search.imageGapWeight", v => v >= 0 && double.IsFinite(v), "a weight of 0 or more, e.g. 1") is double gapWeight)
            {
                training = training with { Search = training.Search with { ImageGapWeight = gapWeight } };
            }
            BudgetsWithinBound(budgetNodes, training.Search.UpperBound, Get(s, "maxPruneRatio") is not null);
        }
        if (values.Section(predictorNode, "predictor", PredictorKeys) is { } p)
        {
            if (Get(p, "architecture") is { } architectureNode
                && values.Choice(architectureNode, "predictor.architecture", Enum.GetNames<PredictorArchitecture>().Select(n => n.ToLowerInvariant()).ToArray()) is { } architecture)
            {
                training = training with { Predictor = training.Predictor with { Architecture = Enum.Parse<PredictorArchitecture>(architecture, ignoreCase: true) } };
            }
            if (Get(p, "epochs") is { } epochsNode && values.Integer(epochsNode, "predictor.epochs", 1) is int epochs)
            {
                training = training with { Predictor = training.Predictor with { Epochs = epochs } };
            }
            if (Get(p, "top") is { } topNode && values.Integer(topNode, "predictor.top", 1) is int top)
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
        var budgets = list.Children.Select(b => (Node: b, Value: values.Number(b, "a budget", v => v >= 0 && v < 1, "a fraction at least 0 and below 1"))).ToArray();
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
            var fields = values.Fields(map, "output", OutputKeys);
            return Get(fields, "path") is { } pathNode && !IsNull(pathNode) ? values.PathOf(pathNode, "output.path") ?? fallback : fallback;
        }
        return values.PathOf(node, "output") ?? fallback;
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
            if (values.Choice(item, "formats", Formats) is { } format && !formats.Contains(format))
            {
                formats.Add(format);
            }
        }
        return formats.ToArray();
    }

    /// <summary>cache: a folder, or null for the default per-user cache.</summary>
    public string? Cache(YamlNode? node) => node is not null && !IsNull(node) ? values.PathOf(node, "cache") : null;
}
