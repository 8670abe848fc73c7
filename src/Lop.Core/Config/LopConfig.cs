using Lop.Core.Jobs;
using Lop.Core.Models;
using Lop.Core.Targets;

namespace Lop.Core.Config;

/// <summary>One variant to build: a unique name and what it must fit. Line and column are those of the target in lop.yaml.</summary>
public sealed record TargetSpec(string Name, TargetConstraint Constraint, int Line, int Column);

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

    /// <summary>Reads and validates <paramref name="yamlPath"/>; throws <see cref="LopConfigException"/> with every error found.</summary>
    public static LopConfig Load(string yamlPath) => LopConfigReader.Read(yamlPath);

    /// <summary>The sizing targets are solved against: the checkpoint's dtype, this config's per-layer floor.</summary>
    public ModelSizing Sizing => ModelSizing.From(Model, maxPruneRatio: Training.Search.UpperBound);

    public SolvedTarget Solve(TargetSpec target) => TargetSolver.Solve(target.Constraint, Sizing);
}
