using System.Text.Json;

namespace Lop.Core.Calibration;

/// <summary>
/// One line of a calibration JSONL file, parsed once: <c>{"text": ...}</c>, <c>{"input_ids": [...]}</c> /
/// <c>{"ids": [...]}</c>, or an image+text record <c>{"image": "path", "text": ...}</c>. The field names and
/// what counts as an image record live here, so the sniffing of a file, the text reader and the
/// image+text reader cannot disagree about a line.
/// </summary>
internal sealed class CalibrationRecord : IDisposable
{
    public const string ImageField = "image";
    public const string TextField = "text";

    /// <summary>The names a pre-tokenized record's id array may have, in the order they are looked for.</summary>
    public static readonly string[] IdFields = ["input_ids", "ids"];

    private readonly JsonDocument _document;

    private CalibrationRecord(JsonDocument document) => _document = document;

    public JsonElement Root => _document.RootElement;

    public bool IsObject => Root.ValueKind == JsonValueKind.Object;

    /// <summary>The line has an "image" key, whatever its value: the file is meant as image+text calibration.</summary>
    public bool NamesImage => IsObject && Root.TryGetProperty(ImageField, out _);

    /// <summary>The image path when "image" is a non-blank string, else null.</summary>
    public string? ImagePath =>
        IsObject && Root.TryGetProperty(ImageField, out var image) && image.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(image.GetString())
            ? image.GetString()
            : null;

    /// <summary>The "text" element when the line has one (of any kind: the readers say what is wrong with it).</summary>
    public bool TryGetText(out JsonElement text) => Root.TryGetProperty(TextField, out text);

    /// <summary>The "text" value when it is a string, else null.</summary>
    public string? Text => IsObject && TryGetText(out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;

    /// <summary>The first id array field present (any kind) and its name.</summary>
    public bool TryGetIds(out JsonElement ids, out string name)
    {
        foreach (var field in IdFields)
        {
            if (Root.TryGetProperty(field, out ids))
            {
                name = field;
                return true;
            }
        }
        ids = default;
        name = "";
        return false;
    }

    /// <summary>Parses one line; throws <see cref="JsonException"/> when it is not JSON (each reader words that error for its format).</summary>
    public static CalibrationRecord Parse(string line) => new(JsonDocument.Parse(line));

    /// <summary>The line's record, or null when it is not JSON.</summary>
    public static CalibrationRecord? TryParse(string line)
    {
        try
        {
            return Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _document.Dispose();
}
