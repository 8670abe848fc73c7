using System.Globalization;

namespace Lop.Runtime.Memory;

/// <summary>
/// Reads the memory limits that apply to this process. The roots are injectable so tests can build fake
/// /proc and /sys trees; <see cref="System"/> reads the real ones.
/// </summary>
internal sealed class MemoryProbe(string procRoot, string sysRoot, bool readsLinuxFiles, Func<long> gcAvailable)
{
    // cgroup v1 writes a page-rounded 2^63 for "no limit"; anything this large is no limit in practice.
    private const long UnlimitedThreshold = 1L << 62;

    public static MemoryProbe System { get; } =
        new("/proc", "/sys", OperatingSystem.IsLinux(), () => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    public MemoryBudget Measure(long? capBytes)
    {
        var candidates = new List<MemoryBudget> { new(Physical(), MemorySource.PhysicalMemory) };
        if (readsLinuxFiles)
        {
            if (CgroupV2Left() is long v2)
            {
                candidates.Add(new(v2, MemorySource.CgroupV2Limit));
            }
            if (CgroupV1Left() is long v1)
            {
                candidates.Add(new(v1, MemorySource.CgroupV1Limit));
            }
        }
        if (capBytes is long cap)
        {
            candidates.Add(new(cap, MemorySource.ConfiguredCap));
        }
        // First of equals wins, so a cap equal to physical memory still reads as physical memory.
        return candidates.MinBy(c => c.Bytes)!;
    }

    private long Physical()
    {
        // MemAvailable counts reclaimable page cache, which a model load can take; MemFree would not.
        if (readsLinuxFiles && ReadLines(Path.Combine(procRoot, "meminfo")) is { } lines)
        {
            foreach (var line in lines)
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)
                    && long.TryParse(line["MemAvailable:".Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }
        }
        return gcAvailable();
    }

    /// <summary>
    /// The least headroom of this process's cgroup and its ancestors: a parent's limit binds its children too.
    /// The process's own cgroup comes from /proc/self/cgroup (<c>0::/path</c>); inside a container with a
    /// cgroup namespace that path is <c>/</c>, the root.
    /// </summary>
    private long? CgroupV2Left()
    {
        var root = Path.Combine(sysRoot, "fs", "cgroup");
        var own = ReadLines(Path.Combine(procRoot, "self", "cgroup"))?
            .FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..].Trim('/') ?? "";
        long? least = null;
        for (var relative = own; ; relative = Parent(relative))
        {
            var folder = relative.Length == 0 ? root : Path.Combine(root, relative);
            if (ReadNumber(Path.Combine(folder, "memory.max")) is long max
                && ReadNumber(Path.Combine(folder, "memory.current")) is long current)
            {
                var left = Math.Max(0, max - current);
                least = least is long l ? Math.Min(l, left) : left;
            }
            if (relative.Length == 0)
            {
                return least;
            }
        }
    }

    private long? CgroupV1Left()
    {
        var folder = Path.Combine(sysRoot, "fs", "cgroup", "memory");
        return ReadNumber(Path.Combine(folder, "memory.limit_in_bytes")) is long limit
            && ReadNumber(Path.Combine(folder, "memory.usage_in_bytes")) is long usage
            ? Math.Max(0, limit - usage)
            : null;
    }

    private static string Parent(string relative) =>
        relative.LastIndexOf('/') is var slash and >= 0 ? relative[..slash] : "";

    /// <summary>The number in a one-value cgroup file; null when absent, unreadable, "max" or effectively unlimited.</summary>
    private static long? ReadNumber(string path)
    {
        var text = ReadLines(path)?.FirstOrDefault()?.Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value < UnlimitedThreshold
            ? value
            : null;
    }

    private static string[]? ReadLines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A limit we may not read is one we cannot honour; the other sources still bound the budget.
            return null;
        }
    }
}
