using System.Globalization;

namespace Lop.Benchmarks;

/// <summary>
/// VmHWM: this process's peak resident set, anonymous and file-backed (memory-mapped) pages together,
/// so a child process that maps a model reports the model pages it touched too.
/// </summary>
internal static class PeakRss
{
    public static long Kilobytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
