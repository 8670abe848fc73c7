using Lop.Runtime.Variants;

namespace Lop.Runtime.Running;

/// <summary>A variant that failed to load, the file at fault and why; loading went on to the next fallback.</summary>
public sealed record VariantLoadFailure(Variant Variant, string File, string Reason)
{
    public override string ToString() => $"{Variant.Name} ({File}): {Reason}";
}
