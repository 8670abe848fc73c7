using System.Globalization;
using System.Text.Json;

namespace Lop.Core.Search;

/// <summary>Everything a dataset's cache key covers, and the key itself: what fragments of one dataset share.</summary>
public sealed record DatasetIdentity(
    string Key,
    string ModelFingerprint,
    string CalibrationHash,
    string Importance,
    string ComputeDType,
    SearchSettings Settings,
    int RewardSequences)
{
    /// <summary>What differs between two identities, in words, for the error that refuses a stray fragment.</summary>
    public IEnumerable<string> Differences(DatasetIdentity other)
    {
        if (ModelFingerprint != other.ModelFingerprint)
        {
            yield return $"model fingerprint {Short(ModelFingerprint)} instead of {Short(other.ModelFingerprint)}";
        }
        if (CalibrationHash != other.CalibrationHash)
        {
            yield return $"calibration {Short(CalibrationHash)} instead of {Short(other.CalibrationHash)}";
        }
        if (SettingDifferences(other) is { Count: > 0 } settings)
        {
            yield return $"search settings (this one vs the other: {string.Join(", ", settings)})";
        }
    }

    /// <summary>
    /// The settings in which this identity differs from <paramref name="other"/> (a package's from the project's, a
    /// fragment's from the others'), as "name this vs other" with the names lop.yaml spells, in a stable order;
    /// empty when none do.
    /// </summary>
    public IReadOnlyList<string> SettingDifferences(DatasetIdentity other)
    {
        var differences = new List<string>();
        void Compare(string name, string mine, string theirs)
        {
            if (mine != theirs)
            {
                differences.Add($"{name} {mine} vs {theirs}");
            }
        }

        Compare("dtype", ComputeDType, other.ComputeDType);
        Compare("importance", Importance, other.Importance);
        Compare("rewardSequences", RewardSequences.ToString(CultureInfo.InvariantCulture), other.RewardSequences.ToString(CultureInfo.InvariantCulture));
        var mySettings = JsonSerializer.SerializeToNode(Settings)?.AsObject() ?? [];
        var theirSettings = JsonSerializer.SerializeToNode(other.Settings)?.AsObject() ?? [];
        foreach (var name in mySettings.Select(p => p.Key).Union(theirSettings.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            // The settings' JSON keeps the C# names; lop.yaml spells them in camelCase.
            Compare("search." + JsonNamingPolicy.CamelCase.ConvertName(name), mySettings[name]?.ToJsonString() ?? "(unset)", theirSettings[name]?.ToJsonString() ?? "(unset)");
        }
        return differences;
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
