using Lop.Runtime.Devices;
using Lop.Runtime.Errors;
using Lop.Runtime.Memory;
using Lop.Runtime.Variants;

namespace Lop.Runtime.Tests.Variants;

public sealed class VariantSelectorTests
{
    private const long MiB = 1L << 20, GiB = 1L << 30;
    private const int Context = 2048;
    private static readonly long Kv = FakeVariants.KvBytes(Context);

    private static VariantCatalog Catalog(TempFolder root, params (string Name, long Bytes)[] variants)
    {
        foreach (var (name, bytes) in variants)
        {
            FakeVariants.Write(root, name, bytes);
        }
        return VariantCatalog.Load(root.Path);
    }

    private static MemoryBudget Budget(long bytes) => MemoryBudget.Of(bytes, MemorySource.PhysicalMemory);

    [Fact]
    public void The_largest_variant_that_fits_is_chosen_with_the_smaller_fitting_ones_as_fallbacks_largest_first()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("dense-ish", 900 * MiB), ("half", 500 * MiB), ("phone", 300 * MiB), ("watch", 100 * MiB));

        var choice = VariantSelector.Choose(catalog, new VariantRequest(), Budget(600 * MiB));

        Assert.Equal("half", choice.Chosen.Name);
        Assert.Equal(["phone", "watch"], choice.Fallbacks.Select(v => v.Name));
        Assert.Equal(ChoiceRule.LargestThatFits, choice.Reason.Rule);
    }

    [Fact]
    public void A_variant_whose_need_equals_the_budget_exactly_is_chosen()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("large", 600 * MiB), ("exact", 400 * MiB), ("small", 100 * MiB));

        var choice = VariantSelector.Choose(catalog, new VariantRequest(), Budget(400 * MiB + Kv));

        Assert.Equal("exact", choice.Chosen.Name);
        Assert.Equal(choice.Reason.Budget.Bytes, choice.Reason.Need.TotalBytes);
    }

    [Fact]
    public void A_variant_one_byte_over_the_budget_is_not_chosen()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("over", 400 * MiB + 1), ("small", 100 * MiB));

        Assert.Equal("small", VariantSelector.Choose(catalog, new VariantRequest(), Budget(400 * MiB + Kv)).Chosen.Name);
    }

    [Fact]
    public void When_nothing_fits_the_error_gives_the_smallest_variants_need_and_the_budget()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("half", 2 * GiB), ("phone", GiB));

        var error = Assert.Throws<LopRuntimeException>(() => VariantSelector.Choose(catalog, new VariantRequest(), Budget(512 * MiB)));

        Assert.Equal((RuntimeErrorCodes.NothingFits, root.Path), (error.Code, error.File));
        Assert.Equal(
            "no variant fits 512 MiB available (physical memory): the smallest, 'phone', needs 1.0 GiB: 1.0 GiB weights + 512 KiB KV cache for 2048 tokens; "
            + "use a shorter context, free memory, or build a smaller target",
            error.Message);
    }

    [Fact]
    public void The_reason_says_in_words_what_was_chosen_against_which_budget_and_what_it_needs()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("phone", 1100 * MiB));

        var choice = VariantSelector.Choose(catalog, new VariantRequest(), MemoryBudget.Of(3174 * MiB, MemorySource.CgroupV2Limit));

        Assert.Equal("phone: largest variant that fits 3.1 GiB available (cgroup limit); needs 1.1 GiB: 1.1 GiB weights + 512 KiB KV cache for 2048 tokens", choice.Reason.Words);
        Assert.Equal(new MemoryNeed(1100 * MiB, Kv, Context), choice.Reason.Need);
    }

    [Fact]
    public void The_kv_cache_need_grows_with_the_requested_context_and_can_decide_the_choice()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("large", 100 * MiB), ("small", 90 * MiB));
        var budget = Budget(100 * MiB + FakeVariants.KvBytes(4096));

        Assert.Equal("large", VariantSelector.Choose(catalog, new VariantRequest { ContextLength = 4096 }, budget).Chosen.Name);
        Assert.Equal("small", VariantSelector.Choose(catalog, new VariantRequest { ContextLength = 8192 }, budget).Chosen.Name);
    }

    [Fact]
    public void A_cgroup_limit_below_physical_memory_decides_the_choice()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("large", 6 * GiB), ("small", 2 * GiB));
        using var host = new TempFolder();
        host.Write("proc/meminfo", $"MemAvailable: {8 * GiB / 1024} kB\n");
        host.Write("sys/fs/cgroup/memory.max", $"{4 * GiB}\n");
        host.Write("sys/fs/cgroup/memory.current", $"{GiB}\n");
        var budget = new MemoryProbe(host.Combine("proc"), host.Combine("sys"), readsLinuxFiles: true, () => 0).Measure(null);

        var choice = VariantSelector.Choose(catalog, new VariantRequest(), budget);

        Assert.Equal(("small", MemorySource.CgroupV2Limit), (choice.Chosen.Name, choice.Reason.Budget.Source));
    }

    [Fact]
    public void A_named_target_is_chosen_with_the_smaller_variants_that_fit_as_fallbacks()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("large", 900 * MiB), ("half", 500 * MiB), ("phone", 300 * MiB), ("watch", 100 * MiB));

        var choice = VariantSelector.Choose(catalog, new VariantRequest { Target = "HALF" }, Budget(350 * MiB));

        Assert.Equal(("half", ChoiceRule.NamedTarget), (choice.Chosen.Name, choice.Reason.Rule));
        Assert.Equal(["phone", "watch"], choice.Fallbacks.Select(v => v.Name));
        Assert.Contains("more than the 350 MiB available", choice.Reason.Words, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_target_is_an_error_listing_the_available_ones()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("half", 500 * MiB), ("phone", 300 * MiB));

        var error = Assert.Throws<LopRuntimeException>(() => VariantSelector.Choose(catalog, new VariantRequest { Target = "tablet" }, Budget(GiB)));

        Assert.Equal(RuntimeErrorCodes.UnknownTarget, error.Code);
        Assert.Equal("unknown target 'tablet'; available: half, phone", error.Message);
    }

    [Fact]
    public void A_device_name_makes_the_devices_usable_memory_the_budget()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("jetson", 5 * GiB), ("pi", 2 * GiB + 512 * MiB), ("tiny", GiB));

        var choice = VariantSelector.Choose(catalog, new VariantRequest { Device = "raspberry-pi-5-4gb" }, Budget(64 * GiB));

        Assert.Equal(("pi", MemorySource.Device), (choice.Chosen.Name, choice.Reason.Budget.Source));
        Assert.Equal(DeviceCatalog.Find("raspberry-pi-5-4gb")!.MemoryBytes, choice.Reason.Budget.Bytes);
        Assert.Equal(["tiny"], choice.Fallbacks.Select(v => v.Name));
        Assert.StartsWith("pi: largest variant that fits device raspberry-pi-5-4gb (3.0 GiB usable); needs 2.5 GiB", choice.Reason.Words, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_device_is_an_error_listing_the_catalog()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("half", 500 * MiB));

        var error = Assert.Throws<LopRuntimeException>(() => VariantSelector.Choose(catalog, new VariantRequest { Device = "toaster" }, Budget(GiB)));

        Assert.Equal(RuntimeErrorCodes.UnknownDevice, error.Code);
        Assert.All(DeviceCatalog.Names, name => Assert.Contains(name, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Naming_both_a_target_and_a_device_is_an_error()
    {
        using var root = new TempFolder();
        var catalog = Catalog(root, ("half", 500 * MiB));

        var error = Assert.Throws<LopRuntimeException>(() =>
            VariantSelector.Choose(catalog, new VariantRequest { Target = "half", Device = "pixel-8" }, Budget(GiB)));

        Assert.Equal(RuntimeErrorCodes.InvalidRequest, error.Code);
    }
}
