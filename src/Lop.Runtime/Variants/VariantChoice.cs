namespace Lop.Runtime.Variants;

/// <summary>
/// The variant to run, and what to try if it fails to load: the next variants that fit, largest first. Never
/// the dense model, unless the build listed it as a variant itself.
/// </summary>
public sealed record VariantChoice(Variant Chosen, IReadOnlyList<Variant> Fallbacks, ChoiceReason Reason, int ContextLength)
{
    /// <summary>The chosen variant, then the fallbacks: the order loading tries them in.</summary>
    public IEnumerable<Variant> InOrder => Fallbacks.Prepend(Chosen);
}
