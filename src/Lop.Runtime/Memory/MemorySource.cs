namespace Lop.Runtime.Memory;

/// <summary>What bound a <see cref="MemoryBudget"/>: the smallest of these wins.</summary>
public enum MemorySource
{
    /// <summary>Physical memory available now (Linux MemAvailable, else what the GC reports).</summary>
    PhysicalMemory,

    /// <summary>A cgroup v2 memory.max minus memory.current (containers, systemd slices).</summary>
    CgroupV2Limit,

    /// <summary>A cgroup v1 memory.limit_in_bytes minus memory.usage_in_bytes (older container hosts).</summary>
    CgroupV1Limit,

    /// <summary>A cap the app configured.</summary>
    ConfiguredCap,

    /// <summary>The usable memory of a device from the device catalog, not of this machine.</summary>
    Device,
}
