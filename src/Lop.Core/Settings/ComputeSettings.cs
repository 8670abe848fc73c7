namespace Lop.Core.Settings;

/// <summary>
/// How a job computes: the dtype and the sequences per forward pass. Constants, not a record, because the
/// request records take them as optional parameters; lop.yaml, the CLI and the init template read them here.
/// </summary>
public static class ComputeSettings
{
    /// <summary>Compute dtype unless told otherwise: f32 matches the reference implementations on every device.</summary>
    public const string DefaultDType = "f32";

    /// <summary>Sequences per forward pass (importance, search candidates, evaluation).</summary>
    public const int DefaultBatchSize = 8;

    /// <summary>The dtypes lop.yaml's dtype accepts: f32, bf16, f16, or the checkpoint's own.</summary>
    public static IReadOnlyList<string> DTypes { get; } = [DefaultDType, "bf16", "f16", "checkpoint"];
}
