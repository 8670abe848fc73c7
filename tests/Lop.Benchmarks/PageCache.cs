using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Lop.Benchmarks;

/// <summary>
/// The page cache, file by file, so throughput runs start from the same state without dropping the
/// whole machine's caches (this machine is shared): write a file's dirty pages, drop its cached pages,
/// and count how many are still cached.
/// </summary>
internal static unsafe class PageCache
{
    private const int PosixFadviseDontNeed = 4;
    private const long Page = 4096;

    /// <summary>Writes the file's dirty pages to disk (fsync) and returns the seconds it took.</summary>
    public static double Flush(string path)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        Check(fsync(Fd(handle)), "fsync", path);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Flushes, then drops the file's pages from the page cache (clean pages only can be dropped, hence the flush).</summary>
    public static void Evict(string path)
    {
        Flush(path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var error = posix_fadvise(Fd(handle), 0, 0, PosixFadviseDontNeed);
        if (error != 0)
        {
            throw new IOException($"posix_fadvise({path}) failed: {Marshal.GetPInvokeErrorMessage(error)}");
        }
    }

    /// <summary>Bytes of the file now in the page cache (mincore over a mapping, which itself reads nothing).</summary>
    public static long ResidentBytes(string path)
    {
        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            return 0;
        }
        using var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            var start = pointer + view.PointerOffset;
            var pages = new byte[(length + Page - 1) / Page];
            Check(mincore((IntPtr)start, (UIntPtr)(ulong)length, pages), "mincore", path);
            return pages.LongCount(p => (p & 1) != 0) * Page;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    private static int Fd(SafeFileHandle handle) => (int)handle.DangerousGetHandle();

    private static void Check(int result, string call, string path)
    {
        if (result != 0)
        {
            throw new IOException($"{call}({path}) failed: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc")]
    private static extern int posix_fadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", SetLastError = true)]
    private static extern int mincore(IntPtr address, UIntPtr length, byte[] vector);
}
