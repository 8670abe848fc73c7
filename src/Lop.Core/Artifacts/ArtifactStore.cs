using System.Security.Cryptography;
using System.Text.Json;
using Lop.Core.Errors;

namespace Lop.Core.Artifacts;

/// <summary>
/// The content-addressed artifact cache: <c>root/kind/key/</c> holds the payload files and an
/// entry.json listing each file's SHA-256. An entry is built in a temporary folder and renamed into
/// place, so readers and concurrent writers never see half an entry; a reader verifies every hash
/// and treats a corrupt or truncated entry as absent (reported, deleted, rebuilt), never uses it.
/// </summary>
public sealed class ArtifactStore(string root)
{
    public const string EntryFile = "entry.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string Root { get; } = Path.GetFullPath(root);

    public string FolderOf(string kind, string key) => Path.Combine(Root, kind, key);

    /// <summary>The verified entry, or null when absent; a damaged entry is removed and <paramref name="problem"/> says why.</summary>
    public ArtifactEntry? TryOpen(string kind, string key, out string? problem)
    {
        problem = null;
        var folder = FolderOf(kind, key);
        var entryPath = Path.Combine(folder, EntryFile);
        if (!File.Exists(entryPath))
        {
            return null;
        }
        try
        {
            var entry = JsonSerializer.Deserialize<ArtifactEntry>(File.ReadAllText(entryPath), Json)
                ?? throw new InvalidDataException("empty entry.json");
            if (entry.Key != key || entry.Kind != kind)
            {
                throw new InvalidDataException($"entry.json names {entry.Kind}/{entry.Key}");
            }
            foreach (var file in entry.Files)
            {
                var path = Path.Combine(folder, file.Name);
                var info = new FileInfo(path);
                if (!info.Exists || info.Length != file.Bytes)
                {
                    throw new InvalidDataException($"{file.Name} is {(info.Exists ? $"{info.Length} bytes, expected {file.Bytes}" : "missing")}");
                }
                if (Hash(path) != file.Sha256)
                {
                    throw new InvalidDataException($"{file.Name} does not match its SHA-256");
                }
            }
            return entry;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            problem = $"cache entry {folder} is corrupt ({e.Message}); it was removed and will be rebuilt";
            FolderSwap.TryDelete(folder);
            return null;
        }
    }

    /// <summary>
    /// Writes an entry: <paramref name="writePayload"/> fills a fresh folder, then hashes are recorded
    /// and the folder is renamed into place, replacing an older version of the same key.
    /// </summary>
    public ArtifactEntry Write(string kind, string key, string version, IReadOnlyDictionary<string, string> inputs, Action<string> writePayload)
    {
        var kindFolder = Path.Combine(Root, kind);
        Directory.CreateDirectory(kindFolder);
        var temporary = Path.Combine(kindFolder, $".tmp-{key[..Math.Min(12, key.Length)]}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            writePayload(temporary);
            var files = Directory.EnumerateFiles(temporary).Order(StringComparer.Ordinal)
                .Select(p => new ArtifactFile(Path.GetFileName(p), new FileInfo(p).Length, Hash(p))).ToList();
            var entry = new ArtifactEntry { Kind = kind, Key = key, Version = version, Created = DateTimeOffset.UtcNow, Inputs = inputs, Files = files };
            File.WriteAllText(Path.Combine(temporary, EntryFile), JsonSerializer.Serialize(entry, Json));
            Publish(temporary, FolderOf(kind, key));
            return entry;
        }
        catch
        {
            FolderSwap.TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Copies an entry made elsewhere (another cache, a dataset package) into this store byte for byte, entry.json
    /// included, so the imported entry is identical to the one that was packed. Every file is checked against the
    /// hashes its entry.json lists before anything is published; a mismatch throws <see cref="InvalidDataException"/>.
    /// </summary>
    public ArtifactEntry Import(string sourceFolder)
    {
        var entry = ReadEntry(Path.Combine(sourceFolder, EntryFile));
        var kindFolder = Path.Combine(Root, entry.Kind);
        Directory.CreateDirectory(kindFolder);
        var temporary = Path.Combine(kindFolder, $".tmp-{entry.Key[..Math.Min(12, entry.Key.Length)]}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            foreach (var file in entry.Files)
            {
                if (file.Name != Path.GetFileName(file.Name) || file.Name == EntryFile)
                {
                    throw new InvalidDataException($"entry.json lists '{file.Name}', which is not a file name of the entry");
                }
                var copy = Path.Combine(temporary, file.Name);
                File.Copy(Path.Combine(sourceFolder, file.Name), copy);
                if (new FileInfo(copy).Length != file.Bytes || Hash(copy) != file.Sha256)
                {
                    throw new InvalidDataException($"{file.Name} does not match the size and SHA-256 its entry.json lists");
                }
            }
            File.Copy(Path.Combine(sourceFolder, EntryFile), Path.Combine(temporary, EntryFile));
            Publish(temporary, FolderOf(entry.Kind, entry.Key));
            return entry;
        }
        catch
        {
            FolderSwap.TryDelete(temporary);
            throw;
        }
    }

    /// <summary>An entry.json as this store writes it; <see cref="InvalidDataException"/> when it is not one.</summary>
    public static ArtifactEntry ReadEntry(string path)
    {
        try
        {
            var entry = JsonSerializer.Deserialize<ArtifactEntry>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} holds null");
            if (entry.Key.Length == 0 || entry.Key.Any(c => !char.IsAsciiHexDigitLower(c)) || entry.Kind.Length == 0 || entry.Kind.Any(c => !char.IsAsciiLetterLower(c)))
            {
                throw new InvalidDataException($"{path} names {entry.Kind}/{entry.Key}, not a kind and a hex key");
            }
            return entry;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path} is not an entry.json ({e.Message})", e);
        }
    }

    /// <summary>Every readable entry (optionally of one kind), unverified: for listing.</summary>
    public IReadOnlyList<(ArtifactEntry Entry, string Folder)> List(string? kind = null)
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        var kinds = kind is null ? Directory.GetDirectories(Root) : [Path.Combine(Root, kind)];
        var entries = new List<(ArtifactEntry, string)>();
        foreach (var folder in kinds.Where(Directory.Exists).SelectMany(Directory.GetDirectories))
        {
            try
            {
                var entry = JsonSerializer.Deserialize<ArtifactEntry>(File.ReadAllText(Path.Combine(folder, EntryFile)), Json);
                if (entry is not null)
                {
                    entries.Add((entry, folder));
                }
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // Temporary folders of running writers and damaged entries are not listed.
            }
        }
        return entries.OrderBy(e => e.Item1.Kind, StringComparer.Ordinal).ThenBy(e => e.Item1.Created).ToList();
    }

    /// <summary>Removes entries (of one kind, or all) and returns how many bytes were freed.</summary>
    public long Clean(string? kind = null)
    {
        long freed = 0;
        foreach (var (entry, folder) in List(kind))
        {
            freed += entry.Bytes;
            FolderSwap.TryDelete(folder);
        }
        return freed;
    }

    public static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void Publish(string temporary, string destination)
    {
        if (!Directory.Exists(destination))
        {
            try
            {
                Directory.Move(temporary, destination);
                return;
            }
            catch (IOException) when (Directory.Exists(destination))
            {
                // Another process published the same key first; fall through and replace it with ours
                // (same inputs, so the same content or a newer version of it).
            }
        }
        var old = destination + $".old-{Guid.NewGuid():N}";
        try
        {
            Directory.Move(destination, old);
        }
        catch (DirectoryNotFoundException)
        {
        }
        try
        {
            Directory.Move(temporary, destination);
        }
        catch (IOException) when (Directory.Exists(destination))
        {
            // A concurrent writer of the same key published in between: its entry is whole; keep it.
            FolderSwap.TryDelete(temporary);
        }
        catch (IOException e)
        {
            throw new LopException(ErrorCodes.OutputNotWritable, $"cannot publish cache entry {destination}: {e.Message}", destination, inner: e);
        }
        FolderSwap.TryDelete(old);
    }
}
