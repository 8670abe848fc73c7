using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lop.Core.Errors;
using Lop.Core.Gguf;
using Lop.Core.Models;
using Lop.Core.Settings;
using Lop.Core.Targets;
using Lop.Runtime.Devices;
using YamlDotNet.RepresentationModel;
using Lop.Core.Calibration;
using static Lop.Core.Config.YamlSource;
using T = Lop.Core.Config.LopYamlKeys.Target;

namespace Lop.Core.Config;

/// <summary>
/// The semantic checks of lop.yaml: the model folder and calibration file exist, the model's config.json
/// reads, and every target is well formed (a unique name, exactly one constraint, options that apply to it)
/// and achievable for the model. No tensor is touched: the model is known only by its config.json, which is
/// all the target check needs.
/// </summary>
internal sealed partial class ConfigChecks(ConfigValues values)
{
    private static readonly string[] ConstraintKeys = T.Constraints.Select(k => k.Name).ToArray();
    private static readonly string[] TargetKeys = T.List.KeyNameArray;

    private ConfigDiagnostics Diagnostics => values.Diagnostics;

    /// <summary>The model folder, when it exists and holds a config.json.</summary>
    public string? ModelFolder(YamlNode? node)
    {
        if (node is null || values.PathOf(node, LopYamlKeys.Model.Name) is not { } folder)
        {
            return null;
        }
        if (!Directory.Exists(folder))
        {
            Diagnostics.Error(ErrorCodes.PathNotFound, node, $"model folder {folder} does not exist; 'model' is a Hugging Face model folder (config.json + *.safetensors), relative to lop.yaml.");
            return null;
        }
        if (!File.Exists(Path.Combine(folder, "config.json")))
        {
            Diagnostics.Error(ErrorCodes.PathNotFound, node, $"model folder {folder} has no config.json; point 'model' at a Hugging Face model folder.");
            return null;
        }
        return folder;
    }

    public ModelConfig? ReadModel(string folder)
    {
        var path = Path.Combine(folder, "config.json");
        try
        {
            if (JsonNode.Parse(File.ReadAllBytes(path)) is not JsonObject json)
            {
                Diagnostics.Add(new LopException(ErrorCodes.ConfigFieldInvalid, "config.json is not a JSON object.", path));
                return null;
            }
            return ModelConfigReader.Read(json, path);
        }
        catch (JsonException e)
        {
            Diagnostics.Add(new LopException(ErrorCodes.ConfigFieldInvalid, $"config.json is not valid JSON: {e.Message}", path, (int?)e.LineNumber + 1, (int?)e.BytePositionInLine + 1));
        }
        catch (LopException e)
        {
            Diagnostics.Add(e);
        }
        return null;
    }

    /// <summary>The bound calibration options, when their file exists.</summary>
    public CalibrationOptions? CalibrationFile((CalibrationOptions Options, YamlNode PathNode)? bound)
    {
        if (bound is not var (options, pathNode))
        {
            return null;
        }
        if (!File.Exists(options.Path))
        {
            Diagnostics.Error(ErrorCodes.PathNotFound, pathNode, $"calibration file {options.Path} does not exist; give a text file, relative to lop.yaml.");
            return null;
        }
        return options;
    }

    public List<TargetSpec>? Targets(YamlNode? node, ModelConfig? model, PredictorTraining training, string[] formats)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            Diagnostics.Invalid(node, $"targets is {Describe(node)}; expected a list of at least one target, e.g.\n  - name: half\n    ratio: 0.5");
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
            Diagnostics.Invalid(node, $"{where} is {Describe(node)}; expected a mapping with a name and one constraint ({string.Join(", ", ConstraintKeys)}).");
            return null;
        }
        // The name first, so every other error about this target can say which one it is.
        var nameFields = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Children)
        {
            if (key is YamlScalarNode { Value: { } keyName } nameKey && keyName == T.Name.Name)
            {
                nameFields[T.Name.Name] = (nameKey, value);
            }
        }
        string? name = null;
        if (values.Require(map, nameFields, T.Name.Name, where, "a unique name for the variant") is { } nameNode && values.Scalar(nameNode, $"{where}.name", "a name of letters, digits, '.', '_' and '-'") is { } text)
        {
            if (!NamePattern().IsMatch(text))
            {
                Diagnostics.Invalid(nameNode, $"target name '{text}' is not valid; use letters, digits, '.', '_' and '-' only (it names a folder).");
            }
            else if (!names.Add(text))
            {
                Diagnostics.Error(ErrorCodes.DuplicateTarget, nameNode, $"target name '{text}' is used twice; every target needs a unique name.");
            }
            else
            {
                name = text;
                where = $"target '{text}'";
            }
        }

        var fields = values.Fields(map, where, TargetKeys);
        var present = ConstraintKeys.Where(fields.ContainsKey).ToList();
        var device = present.Contains(T.Device.Name);
        if (device)
        {
            // maxMemory beside device overrides the device's memory: still one constraint.
            present.Remove(T.MaxMemory.Name);
        }
        if (present.Count == 0 && map.Children.Count > fields.Count)
        {
            // An unknown key (already reported) was most likely meant as the constraint.
            return null;
        }
        if (present.Count == 0)
        {
            Diagnostics.Error(ErrorCodes.TargetConstraintCount, map, $"{where} has no constraint; give exactly one of {string.Join(", ", ConstraintKeys)}.");
            return null;
        }
        if (present.Count > 1)
        {
            Diagnostics.Error(ErrorCodes.TargetConstraintCount, fields[present[1]].Key,
                $"{where} has {present.Count} constraints ({string.Join(", ", present)}); give exactly one (a second target can carry the other).");
            return null;
        }

        var kind = present[0];
        var valueNode = fields[kind].Value;
        var memoryKind = kind == T.MaxMemory.Name || kind == T.Device.Name;
        int context = TargetConstraint.DefaultContextLength, batch = TargetConstraint.DefaultBatch;
        foreach (var key in new[] { T.ContextLength, T.Batch })
        {
            if (!fields.TryGetValue(key.Name, out var field))
            {
                continue;
            }
            if (!memoryKind)
            {
                Diagnostics.Invalid(field.Key, $"{where}: {key.Name} only applies to maxMemory and device targets (it sizes the KV cache); remove it or use maxMemory.");
            }
            else if (values.Integer(field.Value, $"{where}.{key.Name}", key.IntegerMinimum) is int value)
            {
                (context, batch) = key == T.Batch ? (context, value) : (value, batch);
            }
        }

        var constraint = Constraint(kind, valueNode, fields, where, context, batch);
        var quantization = TargetSpec.DefaultQuantization;
        if (fields.TryGetValue(T.Quantization.Name, out var quantizationField))
        {
            if (!gguf)
            {
                Diagnostics.Invalid(quantizationField.Key, $"{where}: quantization applies to the GGUF file; add gguf to formats (formats: [safetensors, gguf]) or remove it.");
            }
            else if (values.Choice(quantizationField.Value, $"{where}.{T.Quantization.Name}", T.Quantization.Choices) is { } q)
            {
                quantization = GgufExportType.Parse(q);
            }
        }
        int? granularity = null;
        if (fields.TryGetValue(T.Granularity.Name, out var granularityField) && values.Integer(granularityField.Value, $"{where}.{T.Granularity.Name}", T.Granularity.IntegerMinimum) is int g)
        {
            if (model is not null && model.IntermediateSizes.Any(w => w % g != 0))
            {
                Diagnostics.Invalid(granularityField.Value, $"{where}.granularity {g} does not divide every layer's FFN width ({string.Join(", ", model.IntermediateSizes.Distinct())}); choose a divisor of them, e.g. 32.");
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
            Diagnostics.Error(ErrorCodes.TargetInfeasible, valueNode, $"{where} cannot be met: {solved.Explanation}");
            return null;
        }
        return spec;
    }

    private TargetConstraint? Constraint(string kind, YamlNode node, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields, string where, int context, int batch)
    {
        var what = $"{where}.{kind}";
        if (kind == T.Ratio.Name)
        {
            return values.Number(node, what, T.Ratio.Range.Contains, "a fraction of FFN neurons to remove, at least 0 and below 1, e.g. 0.5") is double r ? new RatioConstraint(r) : null;
        }
        if (kind == T.MaxParams.Name)
        {
            return values.Count(node, what) is long p ? new MaxParamsConstraint(p) : null;
        }
        if (kind == T.MaxWeightBytes.Name)
        {
            return values.Size(node, what) is long w ? new MaxWeightBytesConstraint(w) : null;
        }
        if (kind == T.MaxMemory.Name)
        {
            return values.Size(node, what) is long m ? new MaxMemoryConstraint(m, context, batch) : null;
        }
        return Device(node, fields, where, context, batch);
    }

    private DeviceConstraint? Device(YamlNode node, Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields, string where, int context, int batch)
    {
        if (values.Scalar(node, $"{where}.{T.Device.Name}", "a device name") is not { } name)
        {
            return null;
        }
        var memory = fields.TryGetValue(T.MaxMemory.Name, out var memoryField) ? values.Size(memoryField.Value, $"{where}.{T.MaxMemory.Name}") : null;
        if (DeviceCatalog.Find(name) is not { } spec)
        {
            Diagnostics.Error(ErrorCodes.UnknownDevice, node,
                $"unknown device '{name}'{DidYouMean.Hint(name, DeviceCatalog.Names)} Built-in devices: {string.Join(", ", DeviceCatalog.Names)}; for another device use maxMemory.");
            return null;
        }
        if (memoryField.Value is not null && memory is null)
        {
            return null;
        }
        return new DeviceConstraint(spec.Name, memory ?? spec.MemoryBytes, spec.DType, context, batch);
    }

    [GeneratedRegex(T.NamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
