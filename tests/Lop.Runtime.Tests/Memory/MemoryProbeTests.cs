using Lop.Runtime.Memory;

namespace Lop.Runtime.Tests.Memory;

public sealed class MemoryProbeTests
{
    private const long GiB = 1L << 30;

    /// <summary>A fake /proc and /sys: MemAvailable of 8 GiB and whatever cgroup files the test adds.</summary>
    private sealed class FakeHost : IDisposable
    {
        private readonly TempFolder _root = new();

        public FakeHost(long memAvailable = 8 * GiB, string ownCgroup = "/")
        {
            _root.Write("proc/meminfo", $"MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:   {memAvailable / 1024} kB\n");
            _root.Write("proc/self/cgroup", $"0::{ownCgroup}\n");
        }

        public void CgroupV2(string relative, string max, long current)
        {
            _root.Write($"sys/fs/cgroup/{relative}/memory.max", max + "\n");
            _root.Write($"sys/fs/cgroup/{relative}/memory.current", $"{current}\n");
        }

        public void CgroupV1(long limit, long usage)
        {
            _root.Write("sys/fs/cgroup/memory/memory.limit_in_bytes", $"{limit}\n");
            _root.Write("sys/fs/cgroup/memory/memory.usage_in_bytes", $"{usage}\n");
        }

        public MemoryBudget Measure(long? cap = null, long gc = 99 * GiB) =>
            new MemoryProbe(_root.Combine("proc"), _root.Combine("sys"), readsLinuxFiles: true, () => gc).Measure(cap);

        public void DeleteMeminfo() => File.Delete(_root.Combine("proc", "meminfo"));

        public void Dispose() => _root.Dispose();
    }

    [Fact]
    public void Physical_memory_available_is_the_budget_without_other_limits()
    {
        using var host = new FakeHost(memAvailable: 8 * GiB);

        Assert.Equal(new MemoryBudget(8 * GiB, MemorySource.PhysicalMemory), host.Measure());
    }

    [Fact]
    public void A_cgroup_v2_limit_below_physical_memory_wins()
    {
        using var host = new FakeHost(memAvailable: 8 * GiB);
        host.CgroupV2("", $"{4 * GiB}", 1 * GiB);

        Assert.Equal(new MemoryBudget(3 * GiB, MemorySource.CgroupV2Limit), host.Measure());
    }

    [Fact]
    public void A_cgroup_v2_limit_of_max_is_no_limit()
    {
        using var host = new FakeHost(memAvailable: 8 * GiB);
        host.CgroupV2("", "max", 1 * GiB);

        Assert.Equal(MemorySource.PhysicalMemory, host.Measure().Source);
    }

    [Fact]
    public void A_parent_cgroup_limit_binds_the_process_in_a_child_cgroup()
    {
        using var host = new FakeHost(memAvailable: 8 * GiB, ownCgroup: "/app.slice/worker.service");
        host.CgroupV2("app.slice", $"{2 * GiB}", GiB / 2);
        host.CgroupV2("app.slice/worker.service", "max", GiB / 4);

        Assert.Equal(new MemoryBudget(GiB + GiB / 2, MemorySource.CgroupV2Limit), host.Measure());
    }

    [Fact]
    public void A_cgroup_v1_limit_below_physical_memory_wins()
    {
        using var host = new FakeHost(memAvailable: 8 * GiB);
        host.CgroupV1(limit: 2 * GiB, usage: GiB / 2);

        Assert.Equal(new MemoryBudget(GiB + GiB / 2, MemorySource.CgroupV1Limit), host.Measure());
    }

    [Fact]
    public void A_cgroup_v1_limit_of_page_rounded_two_to_the_63_is_no_limit()
    {
        using var host = new FakeHost(memAvailable: 8 * GiB);
        host.CgroupV1(limit: 9223372036854771712, usage: GiB);

        Assert.Equal(MemorySource.PhysicalMemory, host.Measure().Source);
    }

    [Fact]
    public void A_configured_cap_below_every_other_limit_wins()
    {
        using var host = new FakeHost(memAvailable: 8 * GiB);
        host.CgroupV2("", $"{4 * GiB}", 0);

        Assert.Equal(new MemoryBudget(GiB, MemorySource.ConfiguredCap), host.Measure(cap: GiB));
    }

    [Fact]
    public void Without_meminfo_the_garbage_collectors_figure_is_the_physical_memory()
    {
        using var host = new FakeHost();
        host.DeleteMeminfo();

        Assert.Equal(new MemoryBudget(5 * GiB, MemorySource.PhysicalMemory), host.Measure(gc: 5 * GiB));
    }

    [Fact]
    public void This_machine_reports_a_positive_budget()
    {
        var budget = MemoryBudget.Available();

        Assert.True(budget.Bytes > 0, budget.Describe());
    }
}
