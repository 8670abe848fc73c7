using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lop.Core.Progress;

namespace Lop.Core.Artifacts;

/// <summary>
/// Digests of whole files (weights: gigabytes), remembered per file so that a build that changed
/// nothing does not read them again. An entry is <c>digests/&lt;SHA-256 of the path&gt;.json</c> under
/// the cache root, holding the path, the file's <see cref="FileStamp"/> when it was read and the digest;
/// it is used only while the file's stamp is still the same, the way make and git decide a file is
/// unchanged. A stamp is only as good as the file system's timestamps, so, like git's "racily clean"
/// rule, an entry recorded less than <see cref="RacyWindow"/> after the file's last modification is not
/// trusted: a second edit within the same timestamp tick would otherwise keep the stamp.
/// </summary>
/// <remarks>
/// The digest is XxHash128: it runs at memory speed (far faster than any disk, so hashing costs what
/// reading costs), and 128 bits make an accidental collision out of the question. It is not
/// cryptographic, which is fine: content addressing here guards against stale caches, not against
/// someone crafting two checkpoints with the same digest.
/// </remarks>
public sealed class FileDigestCache
{
    public const string Algorithm = "xxh128";
    public const string FolderName = "digests";

    /// <summary>Larger than most file systems' timestamp granularity (FAT's is 2 s).</summary>
    public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(3);

    /// <summary>Reads of this size keep the disk streaming and the per-call overhead negligible.</summary>
    private const int BufferSize = 4 << 20;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly string? _folder;
    private readonly TimeSpan _racyWindow;
    private long _filesHashed;
    private long _bytesHashed;

    /// <param name="cacheRoot">The artifact cache root; null keeps nothing (every file is read).</param>
    public FileDigestCache(string? cacheRoot)
        : this(cacheRoot, RacyWindow)
    {
    }

    /// <summary>Tests shorten the racy window so that a file they just wrote can be answered from the cache.</summary>
    internal FileDigestCache(string? cacheRoot, TimeSpan racyWindow)
    {
        _folder = cacheRoot is null ? null : Path.Combine(Path.GetFullPath(cacheRoot), FolderName);
        _racyWindow = racyWindow;
    }

    /// <summary>Hashes every file every time: for callers without a cache.</summary>
    public static FileDigestCache None { get; } = new(null);

    /// <summary>Files read and hashed by this instance (not answered from the cache).</summary>
    public long FilesHashed => Interlocked.Read(ref _filesHashed);

    public long BytesHashed => Interlocked.Read(ref _bytesHashed);

    /// <summary>Where the entry for <paramref name="path"/> lives (null without a cache).</summary>
    public string? EntryPath(string path) =>
        _folder is null ? null : Path.Combine(_folder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(path)))) + ".json");

    /// <summary>
    /// The file's XxHash128 as hex, from the cache when its stamp is unchanged, else read (reporting
    /// bytes to <paramref name="progress"/> under <paramref name="stage"/>) and recorded.
    /// </summary>
    public string Digest(string path, IJobProgress? progress = null, string stage = "digest")
    {
        path = Path.GetFullPath(path);
        var before = FileStamp.Of(path);
        var entryPath = EntryPath(path);
        if (entryPath is not null && TryRead(entryPath, path, before, _racyWindow) is { } known)
        {
            return known;
        }
        var digest = Hash(path, before.Length, progress, stage);
        Interlocked.Increment(ref _filesHashed);
        Interlocked.Add(ref _bytesHashed, before.Length);
        // A file that changed while it was read has no single digest to remember; the next run reads it again.
        if (entryPath is not null && FileStamp.Of(path) == before)
        {
            TryWrite(entryPath, new DigestEntry(path, before.Length, before.ModifiedTicks, before.Inode, before.Device, before.ChangedTicks,
                Algorithm, digest, DateTime.UtcNow.Ticks));
        }
        return digest;
    }

    private static string Hash(string path, long length, IJobProgress? progress, string stage)
    {
        var hash = new XxHash128();
        // Two buffers: the next read is in flight while the current one is hashed, so the disk never waits
        // for the hash (on a cold cache the serial loop left it idle for every chunk's hashing time).
        var current = new byte[BufferSize];
        var next = new byte[BufferSize];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        long done = 0;
        var read = stream.Read(current, 0, current.Length);
        while (read > 0)
        {
            var pending = stream.ReadAsync(next, 0, next.Length);
            hash.Append(current.AsSpan(0, read));
            done += read;
            progress?.Report(stage, done, Math.Max(length, done), Path.GetFileName(path));
            read = pending.GetAwaiter().GetResult();
            (current, next) = (next, current);
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static string? TryRead(string entryPath, string path, FileStamp now, TimeSpan racyWindow)
    {
        DigestEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize<DigestEntry>(File.ReadAllText(entryPath), Json);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // Missing, unreadable or damaged: recomputed and rewritten.
            return null;
        }
        if (entry is null || entry.Algorithm != Algorithm || entry.Digest is not { Length: 32 }
            || !string.Equals(entry.Path, path, StringComparison.Ordinal)
            || new FileStamp(entry.Length, entry.ModifiedTicks, entry.Inode, entry.Device, entry.ChangedTicks) != now)
        {
            return null;
        }
        // Racy on the mtime only: it is what every platform's stamp has, and a file whose ctime alone is
        // recent (just copied or downloaded with its original mtime) would otherwise be read twice.
        return entry.RecordedTicks - entry.ModifiedTicks < racyWindow.Ticks ? null : entry.Digest;
    }

    private static void TryWrite(string entryPath, DigestEntry entry)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(entryPath)!);
            AtomicFile.WriteAllText(entryPath, JsonSerializer.Serialize(entry, Json));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full cache costs the next run a re-read, nothing else.
        }
    }

    private sealed record DigestEntry(string Path, long Length, long ModifiedTicks, ulong? Inode, ulong? Device, long? ChangedTicks,
        string Algorithm, string Digest, long RecordedTicks);
}
