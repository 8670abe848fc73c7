namespace Lop.Runtime.Memory;

/// <summary>Bytes a model (weights plus KV cache) may use, and what set that figure.</summary>
public sealed record MemoryBudget(long Bytes, MemorySource Source)
{
    /// <summary>
    /// What this process can use now: the smallest of physical memory available, the cgroup v2 or v1 limit
    /// left over, and <paramref name="capBytes"/> when given.
    /// </summary>
    public static MemoryBudget Available(long? capBytes = null) => MemoryProbe.System.Measure(capBytes);

    /// <summary>A fixed budget: a device's memory, or a figure an app chooses.</summary>
    public static MemoryBudget Of(long bytes, MemorySource source) => new(bytes, source);

    /// <summary>"3.1 GiB available (cgroup limit)".</summary>
    public string Describe() => $"{ByteSize.Format(Bytes)} available ({SourceWords})";

    private string SourceWords => Source switch
    {
        MemorySource.PhysicalMemory => "physical memory",
        MemorySource.CgroupV2Limit or MemorySource.CgroupV1Limit => "cgroup limit",
        MemorySource.ConfiguredCap => "configured cap",
        MemorySource.Device => "device",
        _ => Source.ToString(),
    };
}
