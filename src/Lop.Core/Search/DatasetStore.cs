using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lop.Core.Artifacts;
using NuGet.Versioning;

namespace Lop.Core.Search;

/// <summary>
/// Search datasets in the artifact cache. Version = Schema.N.0 where N counts the times budgets were
/// added, so a consumer can ask for a range (e.g. [1.0, 2.0)) and an older engine refuses a newer schema.
/// </summary>
internal static class DatasetStore
{
    public const string Kind = "dataset";
    private const string PayloadFile = "dataset.json";

    /// <summary>The versions this engine reads.</summary>
    public static readonly VersionRange Supported = VersionRange.Parse($"[{SearchDataset.Schema}.0.0, {SearchDataset.Schema + 1}.0.0)");

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Key(string modelFingerprint, string calibrationHash, string importance, string computeDType, SearchSettings settings, int rewardSequences)
    {
        var text = string.Join('\n', "lop-dataset", SearchDataset.Schema.ToString(CultureInfo.InvariantCulture), modelFingerprint, calibrationHash,
            importance, computeDType, JsonSerializer.Serialize(settings), rewardSequences.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static (SearchDataset Dataset, NuGetVersion Version)? TryLoad(ArtifactStore store, string key, out string? problem)
    {
        var entry = store.TryOpen(Kind, key, out problem);
        if (entry is null)
        {
            return null;
        }
        if (!Supported.Satisfies(entry.ParsedVersion))
        {
            problem = $"cached dataset {key[..12]} has version {entry.Version}, outside what this engine reads ({Supported}); it will be searched again";
            return null;
        }
        try
        {
            var dataset = JsonSerializer.Deserialize<SearchDataset>(File.ReadAllText(Path.Combine(store.FolderOf(Kind, key), PayloadFile)), Json);
            return dataset is null ? null : (dataset, entry.ParsedVersion);
        }
        catch (JsonException e)
        {
            problem = $"cached dataset {key[..12]} cannot be read ({e.Message}); it will be searched again";
            return null;
        }
    }

    public static NuGetVersion Save(ArtifactStore store, string key, SearchDataset dataset, NuGetVersion? previous, string modelFolder)
    {
        var version = previous is null ? new NuGetVersion(SearchDataset.Schema, 0, 0) : new NuGetVersion(previous.Major, previous.Minor + 1, 0);
        var inputs = new Dictionary<string, string>
        {
            ["model"] = modelFolder,
            ["modelFingerprint"] = dataset.ModelFingerprint,
            ["calibration"] = dataset.CalibrationHash,
            ["importance"] = dataset.Importance,
            ["budgets"] = string.Join(",", dataset.Budgets.Select(b => b.Budget.ToString("0.###", CultureInfo.InvariantCulture))),
            ["simulations"] = dataset.Settings.Simulations.ToString(CultureInfo.InvariantCulture),
        };
        store.Write(Kind, key, version.ToNormalizedString(), inputs,
            folder => File.WriteAllText(Path.Combine(folder, PayloadFile), JsonSerializer.Serialize(dataset, Json)));
        return version;
    }
}
