using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lop.Core.Errors;
using Lop.Core.Jobs;
using Lop.Core.Models;
using Lop.Core.Predictor;
using Lop.Core.Search;
using Lop.Core.Gguf;
using Lop.Core.Targets;
using Lop.Runtime.Devices;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Lop.Core.Config;

/// <summary>
/// Reads lop.yaml through YamlDotNet's representation model (every node keeps its line and column) and
/// validates it by hand, collecting every error before throwing them together. No tensor is touched:
/// the model is known only by its config.json, which is all the target check needs.
/// </summary>
internal sealed partial class LopConfigReader
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly string[] TopKeys = ["model", "calibration", "dtype", "search", "predictor", "output", "formats", "cache", "targets"];
    private static readonly string[] Formats = [LopConfig.SafetensorsFormat, LopConfig.GgufFormat];
    private static readonly string[] CalibrationKeys = ["path", "sequenceLength", "heldOut", "seed", "maxSequences"];
    private static readonly string[] SearchKeys = ["budgets", "simulations", "rewardSequences", "seed", "maxPruneRatio", "imageGapWeight"];
    private static readonly string[] PredictorKeys = ["architecture", "epochs", "top"];
    private static readonly string[] OutputKeys = ["path"];
    private static readonly string[] ConstraintKeys = ["ratio", "maxParams", "maxWeightBytes", "maxMemory", "device"];
    private static readonly string[] TargetKeys = ["name", .. ConstraintKeys, "contextLength", "batch", "quantization", "granularity"];
    private static readonly string[] DTypes = ["f32", "bf16", "f16", "checkpoint"];

    private readonly string _file;
    private readonly string _folder;
    private readonly List<LopException> _errors = [];

    private LopConfigReader(string file)
    {
        _file = file;
        _folder = Path.GetDirectoryName(file)!;
    }

    public static LopConfig Read(string yamlPath)
    {
        var reader = new LopConfigReader(Path.GetFullPath(yamlPath));
        var config = reader.Read();
        if (reader._errors.Count > 0 || config is null)
        {
            throw new LopConfigException(reader._errors
                .OrderBy(e => e.Line ?? 0)
                .ThenBy(e => e.Column ?? 0)
                .ToArray());
        }
        return config;
    }

    private LopConfig? Read()
    {
        if (!File.Exists(_file))
        {
            _errors.Add(new LopException(ErrorCodes.PathNotFound, $"{_file} does not exist; 'dotnet lop init' writes a starter lop.yaml.", _file));
            return null;
        }
        var stream = new YamlStream();
        using (var text = new StreamReader(_file))
        {
            var scanner = new Scanner(text);
            try
            {
                stream.Load(new Parser(scanner));
            }
            catch (YamlException e)
            {
                var message = e.InnerException is { } inner && e.Message.EndsWith("See inner exception.", StringComparison.Ordinal) ? inner.Message : e.Message;
                _errors.Add(new LopException(ErrorCodes.YamlSyntax, $"YAML syntax: {message}", _file, (int)e.Start.Line, (int)e.Start.Column, e));
                return null;
            }
            catch (InvalidOperationException e)
            {
                // YamlDotNet's scanner throws this (not a YamlException) on some malformed input, e.g. an unclosed [.
                var at = scanner.CurrentPosition;
                _errors.Add(new LopException(ErrorCodes.YamlSyntax, "YAML syntax: the file ends or breaks off inside an unclosed [list], {mapping} or quoted string.", _file, (int)at.Line, (int)at.Column, e));
                return null;
            }
        }
        var root = stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode;
        if (IsNull(root))
        {
            root = new YamlMappingNode();
        }
        if (root is not YamlMappingNode top)
        {
            Invalid(root, $"lop.yaml must be a mapping of keys ({string.Join(", ", TopKeys)}), not {Describe(root)}.");
            return null;
        }

        var fields = Fields(top, "lop.yaml", TopKeys);
        var modelFolder = ModelFolder(Require(top, fields, "model", "lop.yaml", "the Hugging Face model folder"));
        var calibration = Calibration(Require(top, fields, "calibration", "lop.yaml", "the calibration text file"));
        var dtype = Get(fields, "dtype") is { } dtypeNode ? Choice(dtypeNode, "dtype", DTypes) ?? "f32" : "f32";
        var training = Training(Get(fields, "search"), Get(fields, "predictor"));
        var output = Output(Get(fields, "output"));
        var formats = Get(fields, "formats") is { } formatsNode ? FormatList(formatsNode) : [LopConfig.SafetensorsFormat];
        var cache = Get(fields, "cache") is { } cacheNode && !IsNull(cacheNode) ? PathOf(cacheNode, "cache") : null;
        var model = modelFolder is null ? null : ReadModel(modelFolder);
        var targets = Targets(Require(top, fields, "targets", "lop.yaml", "at least one target"), model, training, formats);

        if (_errors.Count > 0 || modelFolder is null || model is null || calibration is null || targets is null)
        {
            return null;
        }
        return new LopConfig(_file, _folder, modelFolder, model, calibration, dtype, training, output, cache, targets) { Formats = formats };
    }

    // ---- sections ----

    private string? ModelFolder(YamlNode? node)
    {
        if (node is null || PathOf(node, "model") is not { } folder)
        {
            return null;
        }
        if (!Directory.Exists(folder))
        {
            Error(ErrorCodes.PathNotFound, node, $"model folder {folder} does not exist; 'model' is a Hugging Face model folder (config.json + *.safetensors), relative to lop.yaml.");
            return null;
        }
        if (!File.Exists(Path.Combine(folder, "config.json")))
        {
            Error(ErrorCodes.PathNotFound, node, $"model folder {folder} has no config.json; point 'model' at a Hugging Face model folder.");
            return null;
        }
        return folder;
    }

    private ModelConfig? ReadModel(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        try
        {
            if (JsonNode.Parse(File.ReadAllBytes(path)) is not JsonObject json)
            {
                _errors.Add(new LopException(ErrorCodes.ConfigFieldInvalid, "config.json is not a JSON object.", path));
                return null;
            }
            return ModelConfigReader.Read(json, path);
        }
        catch (JsonException e)
        {
            _errors.Add(new LopException(ErrorCodes.ConfigFieldInvalid, $"config.json is not valid JSON: {e.Message}", path, (int?)e.LineNumber + 1, (int?)e.BytePositionInLine + 1));
        }
        catch (LopException e)
        {
            _errors.Add(e);
        }
        return null;
    }

    private CalibrationOptions? Calibration(YamlNode? node)
    {
        if (node is null)
        {
            return null;
        }
        YamlNode? pathNode = node;
        var options = new CalibrationOptions("");
        if (node is YamlMappingNode map)
        {
            var fields = Fields(map, "calibration", CalibrationKeys);
            pathNode = Require(map, fields, "path", "calibration", "the calibration text file");
            if (Get(fields, "sequenceLength") is { } length && Integer(length, "calibration.sequenceLength", 2) is int sequenceLength)
            {
                options = options with { SequenceLength = sequenceLength };
            }
            if (Get(fields, "heldOut") is { } heldOutNode && Number(heldOutNode, "calibration.heldOut", v => v >= 0 && v < 1, "a fraction at least 0 and below 1, e.g. 0.25") is double heldOut)
            {
                options = options with { HeldOutFraction = heldOut };
            }
            if (Get(fields, "seed") is { } seedNode && Integer(seedNode, "calibration.seed", int.MinValue) is int seed)
            {
                options = options with { Seed = seed };
            }
            if (Get(fields, "maxSequences") is { } maxNode && !IsNull(maxNode) && Integer(maxNode, "calibration.maxSequences", 1) is int max)
            {
                options = options with { MaxSequences = max };
            }
        }
        if (pathNode is null || PathOf(pathNode, "calibration") is not { } path)
        {
            return null;
        }
        if (!File.Exists(path))
        {
            Error(ErrorCodes.PathNotFound, pathNode, $"calibration file {path} does not exist; give a text file, relative to lop.yaml.");
            return null;
        }
        return options with { Path = path };
    }

    private PredictorTraining Training(YamlNode? searchNode, YamlNode? predictorNode)
    {
        var search = new SearchSettings();
        var predictor = new PredictorSettings();
        IReadOnlyList<double> budgets = DefaultBudgets;
        var top = TrainJob.DefaultTopConfigurations;
        var rewardSequences = SearchJob.DefaultRewardSequences;
        if (Section(searchNode, "search", SearchKeys) is { } s)
        {
            if (Get(s, "budgets") is { } budgetsNode && Budgets(budgetsNode) is { } list)
            {
                budgets = list;
            }
            if (Get(s, "simulations") is { } simulationsNode && Integer(simulationsNode, "search.simulations", 0) is int simulations)
            {
                search = search with { Simulations = simulations };
            }
            if (Get(s, "rewardSequences") is { } rewardNode && Integer(rewardNode, "search.rewardSequences", 1) is int reward)
            {
                rewardSequences = reward;
            }
            if (Get(s, "seed") is { } seedNode && Integer(seedNode, "search.seed", int.MinValue) is int seed)
            {
                search = search with { Seed = seed };
                predictor = predictor with { Seed = seed };
            }
            if (Get(s, "maxPruneRatio") is { } ratioNode && Number(ratioNode, "search.maxPruneRatio", v => v > 0 && v < 1, "a fraction above 0 and below 1, e.g. 0.9") is double upper)
            {
                search = search with { UpperBound = upper };
            }
            if (Get(s, "imageGapWeight") is { } gapNode && Number(gapNode, "search.imageGapWeight", v => v >= 0 && double.IsFinite(v), "a weight of 0 or more, e.g. 1") is double gapWeight)
            {
                search = search with { ImageGapWeight = gapWeight };
            }
        }
        if (Section(predictorNode, "predictor", PredictorKeys) is { } p)
        {
            if (Get(p, "architecture") is { } architectureNode
                && Choice(architectureNode, "predictor.architecture", Enum.GetNames<PredictorArchitecture>().Select(n => n.ToLowerInvariant()).ToArray()) is { } architecture)
            {
                predictor = predictor with { Architecture = Enum.Parse<PredictorArchitecture>(architecture, ignoreCase: true) };
            }
            if (Get(p, "epochs") is { } epochsNode && Integer(epochsNode, "predictor.epochs", 1) is int epochs)
            {
                predictor = predictor with { Epochs = epochs };
            }
            if (Get(p, "top") is { } topNode && Integer(topNode, "predictor.top", 1) is int t)
            {
                top = t;
            }
        }
        return new PredictorTraining(budgets, search, predictor, top, rewardSequences);
    }

    /// <summary>The CLI's default training budgets (<c>--budgets</c>).</summary>
    internal static readonly double[] DefaultBudgets = [0.2, 0.4, 0.6, 0.8];

    private double[]? Budgets(YamlNode node)
    {
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            Invalid(node, $"search.budgets is {Describe(node)}; expected a non-empty list of fractions of FFN neurons to remove, e.g. [0.2, 0.4, 0.6, 0.8].");
            return null;
        }
        var budgets = list.Children.Select(b => Number(b, "a budget", v => v >= 0 && v < 1, "a fraction at least 0 and below 1")).ToArray();
        return budgets.All(b => b is not null) ? budgets.Select(b => b!.Value).ToArray() : null;
    }

    private string Output(YamlNode? node)
    {
        var fallback = Path.Combine(_folder, LopConfig.DefaultOutputFolder);
        if (node is null || IsNull(node))
        {
            return fallback;
        }
        if (node is YamlMappingNode map)
        {
            var fields = Fields(map, "output", OutputKeys);
            return Get(fields, "path") is { } pathNode && !IsNull(pathNode) ? PathOf(pathNode, "output.path") ?? fallback : fallback;
        }
        return PathOf(node, "output") ?? fallback;
    }

    /// <summary>formats: [safetensors] or [safetensors, gguf] (safetensors is always written: the GGUF is made from it).</summary>
    private string[] FormatList(YamlNode node)
    {
        var items = node is YamlSequenceNode list ? list.Children.ToList() : [node];
        var formats = new List<string> { LopConfig.SafetensorsFormat };
        foreach (var item in items)
        {
            if (Choice(item, "formats", Formats) is { } format && !formats.Contains(format))
            {
                formats.Add(format);
            }
        }
        return formats.ToArray();
    }

    private List<TargetSpec>? Targets(YamlNode? node, ModelConfig? model, PredictorTraining training, string[] formats)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            Invalid(node, $"targets is {Describe(node)}; expected a list of at least one target, e.g.\n  - name: half\n    ratio: 0.5");
            return null;
        }
        var sizing = model is null ? null : ModelSizing.From(model, maxPruneRatio: training.Search.UpperBound);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var targets = new List<TargetSpec>();
        for (var i = 0; i < list.Children.Count; i++)
        {
            if (Target(list.Children[i], i, names, sizing, formats.Contains(LopConfig.GgufFormat), model) is { } target)
            {
                targets.Add(target);
            }
        }
        return targets;
    }

    private TargetSpec? Target(YamlNode node, int index, HashSet<string> names, ModelSizing? sizing, bool gguf, ModelConfig? model)
    {
        var where = $"targets[{index}]";
        if (node is not YamlMappingNode map)
        {
            Invalid(node, $"{where} is {Describe(node)}; expected a mapping with a name and one constraint ({string.Join(", ", ConstraintKeys)}).");
            return null;
        }
        // The name first, so every other error about this target can say which one it is.
        var nameFields = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            if (key is YamlScalarNode { Value: "name" } nameKey)
            {
                nameFields["name"] = (nameKey, value);
            }
        }
        string? name = null;
        if (Require(map, nameFields, "name", where, "a unique name for the variant") is { } nameNode && Scalar(nameNode, $"{where}.name", "a name of letters, digits, '.', '_' and '-'") is { } text)
        {
            if (!NamePattern().IsMatch(text))
            {
                Invalid(nameNode, $"target name '{text}' is not valid; use letters, digits, '.', '_' and '-' only (it names a folder).");
            }
            else if (!names.Add(text))
            {
                Error(ErrorCodes.DuplicateTarget, nameNode, $"target name '{text}' is used twice; every target needs a unique name.");
            }
            else
            {
                name = text;
                where = $"target '{text}'";
            }
        }

        var fields = Fields(map, where, TargetKeys);
        var present = ConstraintKeys.Where(fields.ContainsKey).ToList();
        var device = present.Contains("device");
        if (device)
        {
            // maxMemory beside device overrides the device's memory: still one constraint.
            present.Remove("maxMemory");
        }
        if (present.Count == 0 && map.Children.Count > fields.Count)
        {
            // An unknown key (already reported) was most likely meant as the constraint.
            return null;
        }
        if (present.Count == 0)
        {
            Error(ErrorCodes.TargetConstraintCount, map, $"{where} has no constraint; give exactly one of {string.Join(", ", ConstraintKeys)}.");
            return null;
        }
        if (present.Count > 1)
        {
            Error(ErrorCodes.TargetConstraintCount, fields[present[1]].Key,
                $"{where} has {present.Count} constraints ({string.Join(", ", present)}); give exactly one (a second target can carry the other).");
            return null;
        }

        var kind = present[0];
        var valueNode = fields[kind].Value;
        var memoryKind = kind is "maxMemory" or "device";
        int context = TargetConstraint.DefaultContextLength, batch = TargetConstraint.DefaultBatch;
        foreach (var key in new[] { "contextLength", "batch" })
        {
            if (!fields.TryGetValue(key, out var field))
            {
                continue;
            }
            if (!memoryKind)
            {
                Invalid(field.Key, $"{where}: {key} only applies to maxMemory and device targets (it sizes the KV cache); remove it or use maxMemory.");
            }
            else if (Integer(field.Value, $"{where}.{key}", 1) is int value)
            {
                (context, batch) = key == "batch" ? (context, value) : (value, batch);
            }
        }

        TargetConstraint? constraint = kind switch
        {
            "ratio" => Number(valueNode, $"{where}.ratio", v => v >= 0 && v < 1, "a fraction of FFN neurons to remove, at least 0 and below 1, e.g. 0.5") is double r ? new RatioConstraint(r) : null,
            "maxParams" => Count(valueNode, $"{where}.maxParams") is long p ? new MaxParamsConstraint(p) : null,
            "maxWeightBytes" => Size(valueNode, $"{where}.maxWeightBytes") is long w ? new MaxWeightBytesConstraint(w) : null,
            "maxMemory" => Size(valueNode, $"{where}.maxMemory") is long m ? new MaxMemoryConstraint(m, context, batch) : null,
            _ => Device(valueNode, fields, where, context, batch),
        };
        var quantization = GgufExportType.F16;
        if (fields.TryGetValue("quantization", out var quantizationField))
        {
            if (!gguf)
            {
                Invalid(quantizationField.Key, $"{where}: quantization applies to the GGUF file; add gguf to formats (formats: [safetensors, gguf]) or remove it.");
            }
            else if (Choice(quantizationField.Value, $"{where}.quantization", GgufExportType.All.Select(t => t.Name).ToArray()) is { } q)
            {
                quantization = GgufExportType.Parse(q);
            }
        }
        int? granularity = null;
        if (fields.TryGetValue("granularity", out var granularityField) && Integer(granularityField.Value, $"{where}.granularity", 1) is int g)
        {
            if (model is not null && model.IntermediateSizes.Any(w => w % g != 0))
            {
                Invalid(granularityField.Value, $"{where}.granularity {g} does not divide every layer's FFN width ({string.Join(", ", model.IntermediateSizes.Distinct())}); choose a divisor of them, e.g. 32.");
            }
            else
            {
                granularity = g;
            }
        }
        if (constraint is null || name is null)
        {
            return null;
        }
        var spec = new TargetSpec(name, constraint, (int)map.Start.Line, (int)map.Start.Column) { Quantization = quantization, Granularity = granularity };
        if (sizing is not null && model is not null && TargetSolver.Solve(constraint, spec.SizingFor(sizing, gguf), spec.GranularityFor(model, gguf)) is { Feasible: false } solved)
        {
            Error(ErrorCodes.TargetInfeasible, valueNode, $"{where} cannot be met: {solved.Explanation}");
            return null;
        }
        return spec;
    }

    private DeviceConstraint? Device(YamlNode node, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields, string where, int context, int batch)
    {
        if (Scalar(node, $"{where}.device", "a device name") is not { } name)
        {
            return null;
        }
        var memory = fields.TryGetValue("maxMemory", out var memoryField) ? Size(memoryField.Value, $"{where}.maxMemory") : null;
        if (DeviceCatalog.Find(name) is not { } spec)
        {
            Error(ErrorCodes.UnknownDevice, node,
                $"unknown device '{name}'{DidYouMean.Hint(name, DeviceCatalog.Names)} Built-in devices: {string.Join(", ", DeviceCatalog.Names)}; for another device use maxMemory.");
            return null;
        }
        if (memoryField.Value is not null && memory is null)
        {
            return null;
        }
        return new DeviceConstraint(spec.Name, memory ?? spec.MemoryBytes, spec.DType, context, batch);
    }

    // ---- values ----

    private Dictionary<string, (YamlScalarNode Key, YamlNode Value)>? Section(YamlNode? node, string where, string[] allowed)
    {
        if (node is null || IsNull(node))
        {
            return null;
        }
        if (node is not YamlMappingNode map)
        {
            Invalid(node, $"{where} is {Describe(node)}; expected a mapping with keys {string.Join(", ", allowed)}.");
            return null;
        }
        return Fields(map, where, allowed);
    }

    private Dictionary<string, (YamlScalarNode Key, YamlNode Value)> Fields(YamlMappingNode map, string where, string[] allowed)
    {
        var fields = new Dictionary<string, (YamlScalarNode, YamlNode)>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } scalar)
            {
                Invalid(keyNode, $"{where}: a key must be a name, not {Describe(keyNode)}.");
                continue;
            }
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                var hint = DidYouMean.Hint(key, allowed);
                Error(ErrorCodes.UnknownKey, scalar, hint.Length > 0
                    ? $"unknown key '{key}' in {where}{hint}"
                    : $"unknown key '{key}' in {where}; the keys are {string.Join(", ", allowed)}.");
                continue;
            }
            fields[key] = (scalar, value);
        }
        return fields;
    }

    private YamlNode? Require(YamlMappingNode map, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields, string key, string where, string what)
    {
        if (fields.TryGetValue(key, out var field) && !IsNull(field.Value))
        {
            return field.Value;
        }
        if (field.Key is not null)
        {
            Error(ErrorCodes.RequiredKeyMissing, field.Key, $"{where}: '{key}' is required ({what}) but empty.");
        }
        else if (!map.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == key))
        {
            Error(ErrorCodes.RequiredKeyMissing, map, $"{where} lacks the required key '{key}' ({what}).");
        }
        return null;
    }

    private static YamlNode? Get(Dictionary<string, (YamlScalarNode Key, YamlNode Value)>? fields, string key) =>
        fields is not null && fields.TryGetValue(key, out var field) ? field.Value : null;

    private string? PathOf(YamlNode node, string what)
    {
        if (Scalar(node, what, "a path (relative to lop.yaml)") is not { } text)
        {
            return null;
        }
        try
        {
            return Path.GetFullPath(Path.Combine(_folder, text));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            Invalid(node, $"{what} '{text}' is not a valid path: {e.Message}");
            return null;
        }
    }

    private string? Scalar(YamlNode node, string what, string expected)
    {
        if (node is YamlScalarNode { Value: { Length: > 0 } value } && !IsNull(node))
        {
            return value;
        }
        Invalid(node, $"{what} is {Describe(node)}; expected {expected}.");
        return null;
    }

    private string? Choice(YamlNode node, string what, string[] choices)
    {
        var expected = string.Join(", ", choices.SkipLast(1)) + " or " + choices[^1];
        if (Scalar(node, what, expected) is not { } text)
        {
            return null;
        }
        if (choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase)) is { } choice)
        {
            return choice;
        }
        Invalid(node, $"{what} is '{text}'; expected {expected}{DidYouMean.Hint(text, choices)}");
        return null;
    }

    private int? Integer(YamlNode node, string what, int min)
    {
        var expected = min == int.MinValue ? "an integer" : $"an integer, at least {min}";
        if (Scalar(node, what, expected) is not { } text)
        {
            return null;
        }
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, Invariant, out var value) && value >= min)
        {
            return value;
        }
        Invalid(node, $"{what} is '{text}'; expected {expected}.");
        return null;
    }

    private double? Number(YamlNode node, string what, Func<double, bool> valid, string expected)
    {
        if (Scalar(node, what, expected) is not { } text)
        {
            return null;
        }
        if (double.TryParse(text, NumberStyles.Float, Invariant, out var value) && double.IsFinite(value) && valid(value))
        {
            return value;
        }
        Invalid(node, $"{what} is '{text}'; expected {expected}.");
        return null;
    }

    private long? Size(YamlNode node, string what) => Quantity(node, what, Quantities.SizeHelp, Quantities.TryParseSize);

    private long? Count(YamlNode node, string what) => Quantity(node, what, Quantities.CountHelp, Quantities.TryParseCount);

    private delegate bool QuantityParser(string text, out long value);

    private long? Quantity(YamlNode node, string what, string help, QuantityParser parse)
    {
        if (Scalar(node, what, help) is not { } text)
        {
            return null;
        }
        if (parse(text, out var value) && value > 0)
        {
            return value;
        }
        Invalid(node, $"{what} is '{text}'; expected a positive {help[2..]}.");
        return null;
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ when IsNull(node) => "empty",
        YamlScalarNode { Value: var value } => $"'{value}'",
        _ => "an alias",
    };

    private void Invalid(YamlNode node, string message) => Error(ErrorCodes.InvalidValue, node, message);

    private void Error(string code, YamlNode node, string message) =>
        _errors.Add(new LopException(code, message, _file, (int)node.Start.Line, (int)node.Start.Column));

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
