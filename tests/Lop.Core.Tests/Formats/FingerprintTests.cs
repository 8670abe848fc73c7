using Lop.Core.Artifacts;
using Lop.Core.Formats;

namespace Lop.Core.Tests.Formats;

/// <summary>
/// The fingerprint sees the weights' bytes (issue 11: a fine-tune saved in place kept the fingerprint,
/// so every cache answered with the old model's artifacts), and the digest cache spares unchanged files
/// a re-read without being fooled by changed ones.
/// </summary>
public class FingerprintTests
{
    private static readonly DateTime LongAgo = new(2024, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static string SaveTiny(TempFolder temp)
    {
        var folder = TestCheckpoints.Save(TinyModels.Random(TinyModels.Config(layers: 2)), temp.Sub("model"));
        // An old mtime, as a downloaded model has: the digest cache distrusts files modified moments ago.
        File.SetLastWriteTimeUtc(Weights(folder), LongAgo);
        return folder;
    }

    private static string Weights(string folder) => Path.Combine(folder, HfCheckpoint.SingleFile);

    private static string Fingerprint(string folder, FileDigestCache digests)
    {
        using var checkpoint = HfCheckpoint.Open(folder);
        return checkpoint.Fingerprint(digests);
    }

    /// <summary>Flips the file's last byte (inside the last tensor's data): same length, same header.</summary>
    private static void FlipLastByte(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Seek(-1, SeekOrigin.End);
        var value = (byte)stream.ReadByte();
        stream.Seek(-1, SeekOrigin.End);
        stream.WriteByte((byte)(value ^ 0x5a));
    }

    /// <summary>A cache that trusts entries at once (no racy window), so files written by the test can hit.</summary>
    private static FileDigestCache Digests(TempFolder temp) => new(temp.Sub("cache"), TimeSpan.Zero);

    [Fact]
    public void Editing_one_weight_byte_in_place_changes_the_fingerprint_and_only_a_changed_file_is_read_again()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        var weights = Weights(folder);
        var digests = Digests(temp);
        var entry = digests.EntryPath(weights)!;

        var before = Fingerprint(folder, digests);
        Assert.Equal(1, digests.FilesHashed);
        Assert.True(File.Exists(entry));
        var entryWritten = File.GetLastWriteTimeUtc(entry);
        File.SetLastWriteTimeUtc(entry, entryWritten.AddMinutes(-5));

        // Unchanged: answered from the cache, the entry not rewritten.
        Assert.Equal(before, Fingerprint(folder, digests));
        Assert.Equal(1, digests.FilesHashed);
        Assert.Equal(entryWritten.AddMinutes(-5), File.GetLastWriteTimeUtc(entry));

        var length = new FileInfo(weights).Length;
        FlipLastByte(weights);
        File.SetLastWriteTimeUtc(weights, LongAgo.AddMinutes(1));
        Assert.Equal(length, new FileInfo(weights).Length);

        var after = Fingerprint(folder, digests);
        Assert.NotEqual(before, after);
        Assert.Equal(2, digests.FilesHashed);
        Assert.NotEqual(entryWritten.AddMinutes(-5), File.GetLastWriteTimeUtc(entry));
        // The new digest is what the cache answers next time, and it agrees with hashing without a cache.
        Assert.Equal(after, Fingerprint(folder, digests));
        Assert.Equal(2, digests.FilesHashed);
        Assert.Equal(after, Fingerprint(folder, FileDigestCache.None));
    }

    [Fact]
    public void On_linux_an_edit_that_restores_the_mtime_is_caught_by_the_change_time()
    {
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere the stamp is length and mtime only: such an edit is the documented limit.
            return;
        }
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        var weights = Weights(folder);
        var digests = Digests(temp);
        var before = Fingerprint(folder, digests);
        // Past the kernel's timestamp granularity (a jiffy), so the edit's ctime differs from the recorded one.
        Thread.Sleep(50);

        FlipLastByte(weights);
        File.SetLastWriteTimeUtc(weights, LongAgo);

        Assert.NotEqual(before, Fingerprint(folder, digests));
        Assert.Equal(2, digests.FilesHashed);
    }

    [Fact]
    public void A_file_modified_moments_before_its_digest_was_recorded_is_read_again()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        File.SetLastWriteTimeUtc(Weights(folder), DateTime.UtcNow);
        var digests = new FileDigestCache(temp.Sub("cache"));

        var first = Fingerprint(folder, digests);
        Assert.Equal(first, Fingerprint(folder, digests));

        // A second edit within the same timestamp tick would keep the stamp, so such an entry is not trusted.
        Assert.Equal(2, digests.FilesHashed);
    }

    [Fact]
    public void A_damaged_digest_entry_is_recomputed()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        var digests = Digests(temp);
        var expected = Fingerprint(folder, digests);
        var entry = digests.EntryPath(Weights(folder))!;

        File.WriteAllText(entry, "{ not json");
        Assert.Equal(expected, Fingerprint(folder, digests));
        Assert.Equal(2, digests.FilesHashed);

        // Another file's entry (same stamp, wrong path) is not taken either.
        var text = File.ReadAllText(entry).Replace(HfCheckpoint.SingleFile, "other.safetensors", StringComparison.Ordinal);
        File.WriteAllText(entry, text);
        Assert.Equal(expected, Fingerprint(folder, digests));
        Assert.Equal(3, digests.FilesHashed);
    }

    [Fact]
    public void Every_shard_is_digested()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        TestCheckpoints.Shard(folder);
        var shards = Directory.GetFiles(folder, "*.safetensors");
        foreach (var shard in shards)
        {
            File.SetLastWriteTimeUtc(shard, LongAgo);
        }
        var digests = Digests(temp);
        var before = Fingerprint(folder, digests);
        Assert.Equal(shards.Length, digests.FilesHashed);

        var last = shards.Order(StringComparer.Ordinal).Last();
        FlipLastByte(last);
        File.SetLastWriteTimeUtc(last, LongAgo.AddMinutes(1));

        Assert.NotEqual(before, Fingerprint(folder, digests));
        Assert.Equal(shards.Length + 1, digests.FilesHashed);
    }
}
