using Lop.Runtime.Devices;

namespace Lop.Core.Targets;

/// <summary>What a variant must fit: exactly one of these per target in lop.yaml.</summary>
public abstract record TargetConstraint
{
    /// <summary>Context length a memory constraint budgets the KV cache for when lop.yaml gives none.</summary>
    public const int DefaultContextLength = 2048;

    public const int DefaultBatch = 1;

    private protected TargetConstraint()
    {
    }

    /// <summary>The constraint as lop.yaml states it, for reports and manifests.</summary>
    public abstract string Describe();
}

/// <summary>Remove this fraction of all FFN neurons (rounded to whole neurons).</summary>
public sealed record RatioConstraint(double Ratio) : TargetConstraint
{
    public override string Describe() => $"ratio {Ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>At most this many parameters in all.</summary>
public sealed record MaxParamsConstraint(long Parameters) : TargetConstraint
{
    public override string Describe() => $"maxParams {Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>At most this many bytes of weights, in the checkpoint's dtype.</summary>
public sealed record MaxWeightBytesConstraint(long Bytes) : TargetConstraint
{
    public override string Describe() => $"maxWeightBytes {Bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} B";
}

/// <summary>Weights (checkpoint dtype) plus the KV cache for <paramref name="ContextLength"/> tokens of <paramref name="Batch"/> sequences.</summary>
public sealed record MaxMemoryConstraint(long Bytes, int ContextLength = TargetConstraint.DefaultContextLength, int Batch = TargetConstraint.DefaultBatch) : TargetConstraint
{
    public override string Describe() => $"maxMemory {Bytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} B (context {ContextLength}, batch {Batch})";
}

/// <summary>A <see cref="DeviceCatalog"/> entry: its usable memory (or the override) for weights plus KV cache, in the device's dtype.</summary>
public sealed record DeviceConstraint(string Device, long MemoryBytes, string DType, int ContextLength = TargetConstraint.DefaultContextLength, int Batch = TargetConstraint.DefaultBatch) : TargetConstraint
{
    public override string Describe() => $"device {Device} ({MemoryBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} B, {DType}, context {ContextLength}, batch {Batch})";
}
