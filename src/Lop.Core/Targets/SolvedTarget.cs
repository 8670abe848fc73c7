namespace Lop.Core.Targets;

/// <summary>
/// The global budget for a target (fraction of all FFN neurons removed, whole neurons) and what the variant
/// will weigh. <see cref="MemoryBytes"/> counts the KV cache at the constraint's context and batch
/// (<see cref="TargetConstraint.DefaultContextLength"/> x 1 for constraints without one). When
/// <see cref="Feasible"/> is false even every layer at its floor does not fit: the figures are those of the
/// floor (the smallest achievable) and <see cref="Explanation"/> says so.
/// </summary>
public sealed record SolvedTarget(
    double Budget,
    int KeptNeurons,
    long Parameters,
    long WeightBytes,
    long MemoryBytes,
    string Explanation,
    bool Feasible = true);
