namespace Lop.Runtime.Variants;

/// <summary>A variant folder that could not be used, and why: never fatal while another variant is usable.</summary>
/// <param name="File">The manifest or model file at fault.</param>
/// <param name="Code">A <see cref="Errors.RuntimeErrorCodes"/> code.</param>
public sealed record SkippedVariant(string Folder, string File, string Code, string Reason)
{
    public override string ToString() => $"{File}: {Code}: {Reason}";
}
