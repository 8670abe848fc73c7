namespace Lop.Runtime.Variants;

/// <summary>Why a variant was chosen, as data and in words.</summary>
/// <param name="Budget">The memory it was measured against.</param>
/// <param name="Need">The chosen variant's need at the requested context.</param>
/// <param name="Words">e.g. "phone: largest variant that fits 3.1 GiB available (cgroup limit); needs 1.2 GiB: 1.1 GiB weights + 96 MiB KV cache for 2048 tokens".</param>
public sealed record ChoiceReason(ChoiceRule Rule, string? Device, Memory.MemoryBudget Budget, MemoryNeed Need, string Words)
{
    public override string ToString() => Words;
}
