using System.Text;
using System.Text.Json;
using NuGet.Packaging;

namespace Lop.Core.Packaging;

/// <summary>
/// The default id of a model's dataset package: its Hugging Face name (config.json's <c>_name_or_path</c>, e.g.
/// Qwen/Qwen2.5-0.5B gives <c>Qwen.Qwen2.5-0.5B.Lop.Datasets</c>) or else the model folder's name, with every
/// character NuGet ids do not allow turned into a dot, then <c>.Lop.Datasets</c>.
/// </summary>
internal static class DatasetPackageId
{
    public const string Suffix = ".Lop.Datasets";

    public static string For(string modelFolder)
    {
        var name = NameOrPath(modelFolder) ?? Path.GetFileName(Path.GetFullPath(modelFolder).TrimEnd('/', '\\'));
        var text = new StringBuilder();
        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '.');
        }
        var stem = string.Join('.', text.ToString().Split('.', StringSplitOptions.RemoveEmptyEntries));
        if (stem.Length == 0)
        {
            stem = "Model";
        }
        stem = stem[..Math.Min(stem.Length, PackageIdValidator.MaxPackageIdLength - Suffix.Length)].TrimEnd('.');
        return stem + Suffix;
    }

    public static bool IsValid(string id) => PackageIdValidator.IsValidPackageId(id) && id.Length <= PackageIdValidator.MaxPackageIdLength;

    /// <summary>A local path in _name_or_path (a model saved from a folder) names nothing; only hub names are used.</summary>
    private static string? NameOrPath(string modelFolder)
    {
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(modelFolder, "config.json")));
            return config.RootElement.TryGetProperty("_name_or_path", out var value) && value.ValueKind == JsonValueKind.String
                && value.GetString() is { Length: > 0 } name && !Path.IsPathRooted(name) && !name.StartsWith('.')
                ? name
                : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
