using System.Runtime.InteropServices;

namespace Lop.Benchmarks;

/// <summary>
/// CPU time of the calling thread (Linux clock_gettime, nanoseconds): what a call cost in work, JIT
/// included, however many other processes share the cores; the wall clock also counts their turns.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID

    public static double Milliseconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ThreadCpuTimeId, out var time) != 0)
        {
            return double.NaN;
        }
        return (time.Seconds * 1e3) + (time.Nanoseconds / 1e6);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
