using System.Text.Json;
using Lop.Core.Calibration;

namespace Lop.Core.Config;

/// <summary>
/// The files a parsed lop.yaml makes the engine read: every file of the model folder, the calibration file
/// and, when that is image+text JSONL, every image its records name (relative to it). The engine writes them
/// to the build's inputs file (<c>lop variants --inputs-file</c>), so the build's up-to-date check follows the
/// engine's own reading of lop.yaml instead of a second parser in the MSBuild task.
/// </summary>
public static class LopConfigInputFiles
{
    /// <summary>Absolute paths; an image a record names is listed even when missing (the run then reports it).</summary>
    public static IReadOnlyList<string> Of(LopConfig config)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(config.ModelFolder))
        {
            files.UnionWith(Directory.EnumerateFiles(Path.GetFullPath(config.ModelFolder), "*", SearchOption.AllDirectories));
        }
        var calibration = Path.GetFullPath(config.Calibration.Path);
        files.Add(calibration);
        if (ImageTextCalibration.HasImages(calibration))
        {
            files.UnionWith(ImagesOf(calibration));
        }
        return files.ToList();
    }

    private static IEnumerable<string> ImagesOf(string jsonl)
    {
        var folder = Path.GetDirectoryName(jsonl)!;
        foreach (var line in File.ReadLines(jsonl))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            string? image = null;
            try
            {
                using var record = JsonDocument.Parse(line);
                if (record.RootElement.ValueKind == JsonValueKind.Object
                    && record.RootElement.TryGetProperty("image", out var value) && value.ValueKind == JsonValueKind.String)
                {
                    image = value.GetString();
                }
            }
            catch (JsonException)
            {
                // Not a record: the calibration reader reports the line with its number.
            }
            if (!string.IsNullOrWhiteSpace(image))
            {
                yield return Path.GetFullPath(Path.Combine(folder, image));
            }
        }
    }
}
