using System.Globalization;
using System.Text.Json;
using Lop.Core.Search;

namespace Lop.Core.Pipeline;

/// <summary>
/// Search datasets in the artifact cache, as JSON. One entry per model, calibration, importance, dtype
/// and search settings; searching a new budget adds it to the entry as its next version.
/// </summary>
internal sealed class DatasetStage() : ArtifactStage<SearchDataset>(KindName, SearchDataset.Schema, "dataset.json")
{
    public const string KindName = "dataset";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string Key(string modelFingerprint, string calibrationHash, string importance, string computeDType, SearchSettings settings, int rewardSequences) =>
        KeyOf(modelFingerprint, calibrationHash, importance, computeDType, JsonSerializer.Serialize(settings),
            rewardSequences.ToString(CultureInfo.InvariantCulture));

    /// <summary>What the entry.json records about a dataset, for people listing the cache.</summary>
    public static Dictionary<string, string> Describe(SearchDataset dataset, string modelFolder) => new()
    {
        ["model"] = modelFolder,
        ["modelFingerprint"] = dataset.ModelFingerprint,
        ["calibration"] = dataset.CalibrationHash,
        ["importance"] = dataset.Importance,
        ["budgets"] = string.Join(",", dataset.Budgets.Select(b => b.Budget.ToString("0.###", CultureInfo.InvariantCulture))),
        ["simulations"] = dataset.Settings.Simulations.ToString(CultureInfo.InvariantCulture),
    };

    protected override SearchDataset Read(string path) =>
        JsonSerializer.Deserialize<SearchDataset>(File.ReadAllText(path), Json) ?? throw new InvalidDataException("the dataset file holds null");

    protected override void Write(string path, SearchDataset dataset) => File.WriteAllText(path, JsonSerializer.Serialize(dataset, Json));
}
