using System.Runtime.InteropServices;

namespace Lop.Core.Artifacts;

/// <summary>
/// What a file's metadata says about its bytes, the way build systems decide "unchanged" without
/// reading it: length and modification time everywhere, and on Linux also the inode, the device and
/// the change time (ctime). The ctime is what makes the Linux stamp hard to fool: a tool that edits a
/// byte and sets the mtime back cannot set the ctime back (only the kernel does, to the current time).
/// Elsewhere a stamp is path, length and mtime, and such an edit goes unnoticed (the known limit).
/// </summary>
public sealed record FileStamp(long Length, long ModifiedTicks, ulong? Inode, ulong? Device, long? ChangedTicks)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path} does not exist.", path);
        }
        var length = info.Length;
        var modified = info.LastWriteTimeUtc.Ticks;
        return OperatingSystem.IsLinux() && LinuxStat.TryStat(path) is { } stat
            ? new FileStamp(length, modified, stat.Inode, stat.Device, stat.ChangedTicks)
            : new FileStamp(length, modified, null, null, null);
    }

    /// <summary>
    /// statx(2) rather than stat(2): its struct has one layout on every architecture, so reading it
    /// needs no per-platform struct definitions (glibc 2.28+; where it is missing the stamp falls back
    /// to length and mtime).
    /// </summary>
    private static class LinuxStat
    {
        private const int AtFdCwd = -100;
        private const uint StatxBasicStats = 0x7ff;
        private const int StatxSize = 256;
        private static bool _unavailable;

        public static (ulong Inode, ulong Device, long ChangedTicks)? TryStat(string path)
        {
            if (_unavailable)
            {
                return null;
            }
            var buffer = new byte[StatxSize];
            try
            {
                if (Statx(AtFdCwd, path, 0, StatxBasicStats, buffer) != 0)
                {
                    return null;
                }
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                _unavailable = true;
                return null;
            }
            // struct statx: stx_ino at 32, stx_ctime {i64 sec, u32 nsec} at 96, stx_dev_major/minor at 136/140.
            var span = buffer.AsSpan();
            var inode = BitConverter.ToUInt64(span[32..]);
            var seconds = BitConverter.ToInt64(span[96..]);
            var nanoseconds = BitConverter.ToUInt32(span[104..]);
            var device = ((ulong)BitConverter.ToUInt32(span[136..]) << 32) | BitConverter.ToUInt32(span[140..]);
            var changed = DateTime.UnixEpoch.Ticks + seconds * TimeSpan.TicksPerSecond + nanoseconds / 100;
            return (inode, device, changed);
        }

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
    }
}
