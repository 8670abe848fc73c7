using System.Security.Cryptography;
using System.Text.Json;
using Lop.Core.Errors;
using Lop.Core.Pipeline;

namespace Lop.Core.Shards;

/// <summary>
/// Fragments on disk: canonical JSON (one serializer, fixed property order, no whitespace) in a file named
/// <c>{SHA-256 of the bytes}.fragment.json</c>. The name is the content's identity, so the same result
/// written twice is one file, any number of shards can write into one folder, and a fragment changed after
/// it was written no longer matches its name and is refused.
/// </summary>
public static class FragmentFile
{
    public const string Suffix = ".fragment.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly DatasetStage Datasets = new();

    /// <summary>The canonical bytes of a fragment: what its name hashes.</summary>
    public static byte[] Canonical(SearchFragment fragment) => JsonSerializer.SerializeToUtf8Bytes(fragment, Json);

    public static string NameOf(byte[] canonical) => Convert.ToHexStringLower(SHA256.HashData(canonical)) + Suffix;

    /// <summary>Writes the fragment into <paramref name="folder"/> (beside it first, then renamed into place) and returns its path.</summary>
    public static string Write(string folder, SearchFragment fragment)
    {
        Directory.CreateDirectory(folder);
        var bytes = Canonical(fragment);
        var path = Path.Combine(folder, NameOf(bytes));
        var temporary = path + $".tmp-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
        return path;
    }

    /// <summary>The dataset key the fragment's fields make: what its <see cref="SearchFragment.DatasetKey"/> must say.</summary>
    public static string KeyOf(SearchFragment fragment) => Datasets.Key(fragment.ModelFingerprint, fragment.CalibrationHash, fragment.Importance,
        fragment.ComputeDType, fragment.Settings, fragment.RewardSequences);

    /// <summary>Reads and verifies one fragment: its name against its content, its format, and its key against its fields.</summary>
    public static SearchFragment Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.FragmentUnreadable, $"the fragment cannot be read ({e.Message}).", path);
        }
        var name = Path.GetFileName(path);
        var expected = NameOf(bytes);
        if (!string.Equals(name, expected, StringComparison.Ordinal))
        {
            throw new LopException(ErrorCodes.FragmentTampered,
                $"the fragment's content hashes to {expected[..^Suffix.Length]}, not to its name: it was changed or renamed after its shard wrote it. Remove it and run that shard again.",
                path);
        }
        SearchFragment? fragment;
        try
        {
            fragment = JsonSerializer.Deserialize<SearchFragment>(bytes, Json);
        }
        catch (JsonException e)
        {
            throw new LopException(ErrorCodes.FragmentUnreadable, $"the file is not a search fragment ({e.Message}).", path);
        }
        if (fragment is null || fragment.Format != SearchFragment.CurrentFormat)
        {
            throw new LopException(ErrorCodes.FragmentUnreadable,
                $"the file's format is '{fragment?.Format}', not {SearchFragment.CurrentFormat}; it was written by another engine version. Search that shard again with this one.", path);
        }
        if (!Canonical(fragment).AsSpan().SequenceEqual(bytes))
        {
            throw new LopException(ErrorCodes.FragmentUnreadable,
                "the file is not in canonical form (it was not written by dotnet lop search --shard, or with fields this engine does not know); search that shard again.", path);
        }
        if (KeyOf(fragment) != fragment.DatasetKey)
        {
            throw new LopException(ErrorCodes.FragmentUnreadable,
                $"the fragment names dataset {fragment.DatasetKey[..Math.Min(12, fragment.DatasetKey.Length)]} but its model, calibration and settings make {KeyOf(fragment)[..12]}; it was edited. Search that shard again.", path);
        }
        return fragment;
    }

    /// <summary>Every fragment file under the folders (subfolders included, as CI artifact downloads nest them), sorted by path.</summary>
    public static IReadOnlyList<string> Find(IReadOnlyList<string> folders)
    {
        var files = new List<string>();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder))
            {
                throw new LopException(ErrorCodes.FragmentsMissing, "the folder does not exist; name the folders the search shards wrote with --out.", folder);
            }
            files.AddRange(Directory.EnumerateFiles(folder, "*" + Suffix, SearchOption.AllDirectories).Select(Path.GetFullPath));
        }
        if (files.Count == 0)
        {
            throw new LopException(ErrorCodes.FragmentsMissing,
                $"no fragments (*{Suffix}) in {string.Join(", ", folders)}; run dotnet lop search --shard i/N --out DIR first and merge those folders.");
        }
        return files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }
}
