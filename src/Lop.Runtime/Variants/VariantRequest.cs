namespace Lop.Runtime.Variants;

/// <summary>How to choose a variant: by target name, by catalog device, or (neither) the largest that fits.</summary>
public sealed record VariantRequest
{
    /// <summary>Context length the KV cache is sized for when none is asked; the engine budgets targets for the same.</summary>
    public const int DefaultContextLength = 2048;

    /// <summary>A target name from lop.yaml (the variant folder's name for hand-made variants).</summary>
    public string? Target { get; init; }

    /// <summary>A device from <see cref="Devices.DeviceCatalog"/>: its usable memory replaces this machine's.</summary>
    public string? Device { get; init; }

    /// <summary>Tokens of context to run with (prompt plus generated text).</summary>
    public int ContextLength { get; init; } = DefaultContextLength;

    /// <summary>An upper bound on the memory the model may use, below what the machine offers.</summary>
    public long? MemoryCapBytes { get; init; }
}
