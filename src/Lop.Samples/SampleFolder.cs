using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Progress;
using Lop.Core.Pruning;

namespace Lop.Samples;

/// <summary>
/// What both built-in samples share: a folder holding model/ and sample-report.json is reused when its
/// report carries the same settings hash; otherwise the sample is built in a temporary folder beside
/// it and swapped in, so an interrupted run never leaves half a sample.
/// </summary>
internal static class SampleFolder
{
    public const string ReportFile = "sample-report.json";

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <param name="build">builds the sample into the given work folder, for the given final folder, and returns its report</param>
    public static TReport Produce<TReport>(
        string folder,
        string settingsHash,
        bool force,
        Func<TReport, string> hashOf,
        Func<TReport, TReport> asReused,
        Func<string, string, TReport> build,
        IJobProgress progress)
        where TReport : class
    {
        folder = Path.GetFullPath(folder);
        if (!force && TryReuse(folder, settingsHash, hashOf) is { } existing)
        {
            progress.Info($"sample: reusing {folder} (same settings; --force trains again)");
            return asReused(existing);
        }
        EnsureReplaceable(folder);
        var temporary = folder + $".tmp-{Guid.NewGuid():N}";
        try
        {
            var report = build(temporary, folder);
            File.WriteAllText(Path.Combine(temporary, ReportFile), JsonSerializer.Serialize(report, Json) + "\n");
            FolderSwap.Replace(temporary, folder);
            return report;
        }
        catch
        {
            FolderSwap.TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Short hash of the settings, the engine version and the report schema: what makes a sample reusable.</summary>
    public static string SettingsHash(object settings, string schema)
    {
        var text = JsonSerializer.Serialize(settings, settings.GetType()) + "\n" + VariantManifest.EngineVersionString() + "\n" + schema;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    private static TReport? TryReuse<TReport>(string folder, string settingsHash, Func<TReport, string> hashOf)
        where TReport : class
    {
        var path = Path.Combine(folder, ReportFile);
        if (!File.Exists(path) || !File.Exists(Path.Combine(folder, "model", "config.json")))
        {
            return null;
        }
        try
        {
            var report = JsonSerializer.Deserialize<TReport>(File.ReadAllText(path), Json);
            return report is not null && hashOf(report) == settingsHash ? report : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Checked before training, so minutes of work are not thrown away at the end.</summary>
    private static void EnsureReplaceable(string folder)
    {
        if (Directory.Exists(folder) && !File.Exists(Path.Combine(folder, ReportFile)) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new LopException(ErrorCodes.OutputNotWritable,
                $"{folder} exists and is not a sample folder (no {ReportFile}); choose another --out.", folder);
        }
    }
}
