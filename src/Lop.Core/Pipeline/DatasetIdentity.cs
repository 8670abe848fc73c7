using System.Globalization;
using System.Text.Json.Nodes;

namespace Lop.Core.Pipeline;

/// <summary>
/// Everything a search dataset's cache key is made of, spelled out: a packaged dataset stands in for a search
/// exactly when its key is the project's, and when it is not, these fields say what differs (the model, the
/// calibration, or a setting) instead of a bare "key mismatch".
/// </summary>
public sealed record DatasetIdentity(
    string DatasetKey,
    string ModelFingerprint,
    string CalibrationHash,
    string Importance,
    string ComputeDType,
    string SettingsJson,
    int RewardSequences)
{
    /// <summary>The settings that differ, as "name package-value vs project-value", in a stable order; empty when none do.</summary>
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
        var packagedSettings = JsonNode.Parse(SettingsJson)?.AsObject() ?? [];
        var projectSettings = JsonNode.Parse(project.SettingsJson)?.AsObject() ?? [];
        foreach (var name in packagedSettings.Select(p => p.Key).Union(projectSettings.Select(p => p.Key)).Order(StringComparer.Ordinal))
        {
            // The settings' JSON keeps the C# names; lop.yaml spells them in camelCase.
            Compare("search." + System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name), packagedSettings[name]?.ToJsonString() ?? "(unset)", projectSettings[name]?.ToJsonString() ?? "(unset)");
        }
        return differences;
    }
}
