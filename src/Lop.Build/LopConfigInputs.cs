using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Lop.Build;

/// <summary>
/// The files lop.yaml points at (every file of the <c>model:</c> folder, the <c>calibration:</c> file and, for
/// image+text JSONL, every image its records name), for the
/// Inputs of the incremental target. A line-based reader of the two keys the engine defines (<c>model: path</c>;
/// <c>calibration: path</c> or <c>calibration:</c> with an indented <c>path:</c>), relative to lop.yaml: no
/// YAML library in the task, no engine start on a no-op build. Anything it cannot read is simply not an
/// input; the engine validates the file and reports errors with their line.
/// </summary>
public sealed class LopConfigInputs : Microsoft.Build.Utilities.Task
{
    [Required]
    public string ConfigFile { get; set; } = "";

    [Output]
    public ITaskItem[] Inputs { get; private set; } = [];

    public override bool Execute()
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(ConfigFile))!;
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in ConfigPaths.Read(File.ReadAllLines(ConfigFile)))
        {
            var full = Path.GetFullPath(Path.Combine(folder, path));
            if (File.Exists(full))
            {
                files.Add(full);
                files.UnionWith(CalibrationImages.Read(full));
            }
            else if (Directory.Exists(full))
            {
                files.UnionWith(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories));
            }
        }
        Inputs = files.Select(f => (ITaskItem)new TaskItem(f)).ToArray();
        Log.LogMessage(MessageImportance.Low, "Lop.Build: {0} input file(s) from {1}.", Inputs.Length, ConfigFile);
        return true;
    }
}

/// <summary>The images an image+text JSONL calibration file names (relative to it), so editing one reruns the engine.</summary>
internal static class CalibrationImages
{
    public static IEnumerable<string> Read(string file)
    {
        if (Path.GetExtension(file).ToLowerInvariant() is not (".jsonl" or ".ndjson" or ".json"))
        {
            return [];
        }
        var folder = Path.GetDirectoryName(file)!;
        var images = new List<string>();
        foreach (var line in File.ReadLines(file))
        {
            if (!line.Contains("\"image\"", StringComparison.Ordinal))
            {
                continue;
            }
            try
            {
                using var record = System.Text.Json.JsonDocument.Parse(line);
                if (record.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                    && record.RootElement.TryGetProperty("image", out var image) && image.ValueKind == System.Text.Json.JsonValueKind.String
                    && Path.GetFullPath(Path.Combine(folder, image.GetString()!)) is var path && File.Exists(path))
                {
                    images.Add(path);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not an input; the engine reports the line.
            }
        }
        return images;
    }
}

internal static class ConfigPaths
{
    /// <summary>The model and calibration paths of a lop.yaml, as written.</summary>
    public static IEnumerable<string> Read(IEnumerable<string> lines)
    {
        string? open = null; // the top-level key whose indented block we are in
        foreach (var raw in lines)
        {
            var line = StripComment(raw);
            if (line.Trim().Length == 0)
            {
                continue;
            }
            var indented = char.IsWhiteSpace(line[0]);
            if (!indented)
            {
                open = null;
                if (KeyValue(line) is not (var key, var value) || key is not ("model" or "calibration"))
                {
                    continue;
                }
                if (value.Length == 0)
                {
                    open = key;
                }
                else if (!value.StartsWith('{'))
                {
                    yield return value;
                }
            }
            else if (open is not null && KeyValue(line.Trim()) is ("path", var path) && path.Length > 0)
            {
                yield return path;
            }
        }
    }

    private static (string Key, string Value)? KeyValue(string line)
    {
        var colon = line.IndexOf(':');
        if (colon <= 0)
        {
            return null;
        }
        return (line[..colon].Trim(), Unquote(line[(colon + 1)..].Trim()));
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;

    /// <summary>Drops a <c>#</c> comment (one at the start or after a space, outside quotes).</summary>
    private static string StripComment(string line)
    {
        char quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '#' && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i].TrimEnd();
            }
        }
        return line.TrimEnd();
    }
}
