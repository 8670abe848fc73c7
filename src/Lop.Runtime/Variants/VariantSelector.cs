using Lop.Runtime.Devices;
using Lop.Runtime.Errors;
using Lop.Runtime.Memory;

namespace Lop.Runtime.Variants;

/// <summary>
/// Chooses the variant to run: the one named, else the largest whose need (weights + KV cache for the
/// requested context) fits the memory of the named device or of this process now. The next variants that
/// fit become the fallbacks.
/// </summary>
public static class VariantSelector
{
    /// <param name="available">
    /// The memory to fit when no device is named; measured with <see cref="MemoryBudget.Available"/> (and the
    /// request's cap) when null.
    /// </param>
    /// <exception cref="LopRuntimeException">Unknown target or device, a contradictory request, or no variant fits.</exception>
    public static VariantChoice Choose(VariantCatalog catalog, VariantRequest? request = null, MemoryBudget? available = null)
    {
        request ??= new VariantRequest();
        if (request.ContextLength <= 0)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.InvalidRequest, $"context length must be positive, not {request.ContextLength}");
        }
        if (request.Target is not null && request.Device is not null)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.InvalidRequest,
                $"name a target ('{request.Target}') or a device ('{request.Device}'), not both: a target is already sized for its device");
        }

        var budget = request.Device is { } deviceName
            ? DeviceBudget(deviceName, request.MemoryCapBytes)
            : available ?? MemoryBudget.Available(request.MemoryCapBytes);
        var context = request.ContextLength;
        bool Fits(Variant v) => MemoryNeed.Of(v.Gguf, context).TotalBytes <= budget.Bytes;

        if (request.Target is { } target)
        {
            var named = catalog.Variants.FirstOrDefault(v => string.Equals(v.Name, target, StringComparison.OrdinalIgnoreCase))
                ?? throw new LopRuntimeException(RuntimeErrorCodes.UnknownTarget,
                    $"unknown target '{target}'; available: {string.Join(", ", catalog.Variants.Select(v => v.Name))}", catalog.Folder);
            var smaller = catalog.Variants.SkipWhile(v => v != named).Skip(1).Where(Fits).ToList();
            return Result(named, smaller, ChoiceRule.NamedTarget, null, budget, context);
        }

        var fitting = catalog.Variants.Where(Fits).ToList();
        if (fitting.Count == 0)
        {
            var smallest = catalog.Variants[^1];
            throw new LopRuntimeException(RuntimeErrorCodes.NothingFits,
                $"no variant fits {budget.Describe()}: the smallest, '{smallest.Name}', needs {MemoryNeed.Of(smallest.Gguf, context).Describe()}; "
                + "use a shorter context, free memory, or build a smaller target", catalog.Folder);
        }
        var rule = request.Device is null ? ChoiceRule.LargestThatFits : ChoiceRule.LargestThatFitsDevice;
        return Result(fitting[0], fitting.Skip(1).ToList(), rule, request.Device, budget, context);
    }

    private static MemoryBudget DeviceBudget(string name, long? capBytes)
    {
        var device = DeviceCatalog.Find(name)
            ?? throw new LopRuntimeException(RuntimeErrorCodes.UnknownDevice,
                $"unknown device '{name}'; built-in devices: {string.Join(", ", DeviceCatalog.Names)}; otherwise set a memory cap");
        return capBytes is long cap && cap < device.MemoryBytes
            ? MemoryBudget.Of(cap, MemorySource.ConfiguredCap)
            : MemoryBudget.Of(device.MemoryBytes, MemorySource.Device);
    }

    private static VariantChoice Result(Variant chosen, IReadOnlyList<Variant> fallbacks, ChoiceRule rule, string? device, MemoryBudget budget, int context)
    {
        var need = MemoryNeed.Of(chosen.Gguf, context);
        var words = rule switch
        {
            ChoiceRule.NamedTarget => need.TotalBytes <= budget.Bytes
                ? $"{chosen.Name}: named; needs {need.Describe()}; {budget.Describe()}"
                : $"{chosen.Name}: named; needs {need.Describe()}, more than the {budget.Describe()}",
            ChoiceRule.LargestThatFitsDevice when budget.Source == MemorySource.Device =>
                $"{chosen.Name}: largest variant that fits device {device} ({ByteSize.Format(budget.Bytes)} usable); needs {need.Describe()}",
            _ => $"{chosen.Name}: largest variant that fits {budget.Describe()}; needs {need.Describe()}",
        };
        return new VariantChoice(chosen, fallbacks, new ChoiceReason(rule, device, budget, need, words), context);
    }
}
