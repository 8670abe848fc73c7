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
            yield return $"search settings {System.Text.Json.JsonSerializer.Serialize(Settings)} instead of {System.Text.Json.JsonSerializer.Serialize(other.Settings)}";
        }
        if (RewardSequences != other.RewardSequences)
        {
            yield return $"{RewardSequences} reward sequences instead of {other.RewardSequences}";
        }
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
