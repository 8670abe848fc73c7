using Lop.Core.Gguf;
using Lop.Core.Search;
using Lop.Core.Models;
using Lop.Core.Settings;
using Lop.Core.Targets;
using Lop.Core.Allocation;
using Lop.Core.Calibration;

namespace Lop.Core.Config;

/// <summary>One variant to build: a unique name and what it must fit. Line and column are those of the target in lop.yaml.</summary>
public sealed record TargetSpec(string Name, TargetConstraint Constraint, int Line, int Column)
{
    /// <summary>The GGUF type of a target that names none.</summary>
    public static GgufExportType DefaultQuantization => GgufExportType.F16;

    /// <summary>The GGUF file's type when the config writes GGUF (<see cref="DefaultQuantization"/> unless the target says).</summary>
    public GgufExportType Quantization { get; init; } = DefaultQuantization;

    /// <summary>Kept widths in multiples of this; null means the quantization's block when writing GGUF, else 1.</summary>
    public int? Granularity { get; init; }

    /// <summary>Sizes count the bytes of the file the target ships: the GGUF's type when there is one.</summary>
    public ModelSizing SizingFor(ModelSizing sizing, bool gguf) => gguf ? sizing.ForGguf(Quantization) : sizing;

    /// <summary>The block size the widths are rounded to (reduced to one that divides every layer's width).</summary>
    public int GranularityFor(ModelConfig model, bool gguf) =>
        BudgetProjection.EffectiveGranularity(model.IntermediateSizes, Granularity ?? (gguf ? Quantization.Granularity : 1));
}

/// <summary>
/// A validated lop.yaml. Every path is absolute (relative ones are resolved against the yaml's folder);
/// every target is known to be achievable for <see cref="Model"/>.
/// </summary>
public sealed record LopConfig(
    string YamlPath,
    string Folder,
    string ModelFolder,
    ModelConfig Model,
    CalibrationOptions Calibration,
    string DType,
    PredictorTraining Training,
    string OutputFolder,
    string? CacheFolder,
    IReadOnlyList<TargetSpec> Targets)
{
    public const string DefaultFileName = "lop.yaml";

    public const string DefaultOutputFolder = "lop-variants";

    public const string SafetensorsFormat = "safetensors";
    public const string GgufFormat = "gguf";

    /// <summary>What each target's folder holds: always safetensors; "gguf" adds a GGUF file for llama.cpp.</summary>
    public IReadOnlyList<string> Formats { get; init; } = [SafetensorsFormat];

    public bool WritesGguf => Formats.Contains(GgufFormat);

    /// <summary>Reads and validates <paramref name="yamlPath"/>; throws <see cref="LopConfigException"/> with every error found.</summary>
    public static LopConfig Load(string yamlPath) => LopConfigReader.Read(yamlPath);

    /// <summary>The sizing targets are solved against: the checkpoint's dtype, this config's per-layer floor.</summary>
    public ModelSizing Sizing => ModelSizing.From(Model, maxPruneRatio: Training.Search.UpperBound);

    public SolvedTarget Solve(TargetSpec target) =>
        TargetSolver.Solve(target.Constraint, target.SizingFor(Sizing, WritesGguf), Granularity(target));

    public int Granularity(TargetSpec target) => target.GranularityFor(Model, WritesGguf);
}
