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
        if (Importance != other.Importance)
        {
            yield return $"importance {Importance} instead of {other.Importance}";
        }
        if (ComputeDType != other.ComputeDType)
        {
            yield return $"dtype {ComputeDType} instead of {other.ComputeDType}";
        }
        if (Settings != other.Settings)
        {
            yield return $"search settings {JsonSerializer.Serialize(Settings)} instead of {JsonSerializer.Serialize(other.Settings)}";
        }
        if (RewardSequences != other.RewardSequences)
        {
            yield return $"{RewardSequences} reward sequences instead of {other.RewardSequences}";
        }
    }

    /// <summary>
    /// The settings in which this (a packaged dataset's) identity differs from the project's, as "name packaged vs
    /// wanted" with the names lop.yaml spells, in a stable order; empty when none do.
    /// </summary>
    public IReadOnlyList<string> SettingDifferences(DatasetIdentity project)
    {
        var differences = new List<string>();
        void Compare(string name, string packaged, string wanted)
        {
            if (packaged != wanted)
            {
                differences.Add($"{name} {packaged} vs {wanted}");
            }
        }

        Compare("dtype", ComputeDType, project.ComputeDType);
        Compare("importance", Importance, project.Importance);
        Compare("rewardSequences", RewardSequences.ToString(CultureInfo.InvariantCulture), project.RewardSequences.ToString(CultureInfo.InvariantCulture));
        var packagedSettings = JsonSerializer.SerializeToNode(Settings)?.AsObject() ?? [];
        var projectSettings = JsonSerializer.SerializeToNode(project.Settings)?.AsObject() ?? [];
        foreach (var name in packagedSettings.Select(p => p.Key).Union(projectSettings.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            // The settings' JSON keeps the C# names; lop.yaml spells them in camelCase.
            Compare("search." + JsonNamingPolicy.CamelCase.ConvertName(name), packagedSettings[name]?.ToJsonString() ?? "(unset)", projectSettings[name]?.ToJsonString() ?? "(unset)");
        }
        return differences;
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
