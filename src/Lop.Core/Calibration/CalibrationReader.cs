using System.Text;
using System.Text.Json;
using Lop.Core.Errors;

namespace Lop.Core.Calibration;

/// <summary>
/// Reads a calibration file into documents of token ids. Plain text (documents separated by blank
/// lines), JSONL with <c>{"text": ...}</c>, or JSONL with pre-tokenized <c>{"input_ids": [...]}</c> /
/// <c>{"ids": [...]}</c>; the last needs no tokenizer, which is the way out for models whose tokenizer
/// cannot be loaded here.
/// </summary>
public static class CalibrationReader
{
    private enum Format { Unknown, Text, Jsonl }

    /// <param name="vocabSize">The model's vocabulary size when known; defaults to the tokenizer's. Ids outside it are rejected.</param>
    public static IReadOnlyList<int[]> Read(string path, ITokenizer? tokenizer, int? vocabSize = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new LopException(ErrorCodes.CalibrationMissing,
                $"Calibration file '{path}' does not exist. Check the calibration path, or remove it to use the built-in sample corpus.",
                path);
        }

        var vocab = vocabSize ?? tokenizer?.VocabSize;
        var format = FormatFromExtension(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var lines = Utf8LineReader.ReadLines(stream, path);
            if (format == Format.Unknown)
            {
                format = Sniff(path);
            }
            return format == Format.Jsonl
                ? ReadJsonl(lines, path, tokenizer, vocab)
                : ReadText(lines, path, tokenizer, vocab);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.CalibrationMissing,
                $"Calibration file '{path}' cannot be read: {ex.Message}", path, inner: ex);
        }
    }

    private static Format FormatFromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jsonl" or ".ndjson" or ".json" => Format.Jsonl,
        ".txt" or ".text" or ".md" => Format.Text,
        _ => Format.Unknown,
    };

    /// <summary>Unknown extension: JSONL if the first non-blank line looks like a JSON object.</summary>
    private static Format Sniff(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        foreach (var line in Utf8LineReader.ReadLines(stream, path))
        {
            var trimmed = line.Text.TrimStart();
            if (trimmed.Length > 0)
            {
                return trimmed[0] == '{' ? Format.Jsonl : Format.Text;
            }
        }
        return Format.Text;
    }

    private static List<int[]> ReadText(IEnumerable<Utf8LineReader.Line> lines, string path, ITokenizer? tokenizer, int? vocab)
    {
        var documents = new List<int[]>();
        var text = new StringBuilder();
        var startLine = 0;

        void Flush()
        {
            if (text.Length == 0)
            {
                return;
            }
            if (tokenizer is null)
            {
                throw NoTokenizer(path, startLine, "is plain text");
            }
            var ids = tokenizer.Encode(text.ToString());
            CheckRange(ids, vocab, path, startLine, "the tokenizer");
            if (ids.Length > 0)
            {
                documents.Add(ids);
            }
            text.Clear();
        }

        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.Text))
            {
                Flush();
                continue;
            }
            if (text.Length == 0)
            {
                startLine = line.Number;
            }
            else
            {
                text.Append('\n');
            }
            text.Append(line.Text);
        }
        Flush();
        return documents;
    }

    private static List<int[]> ReadJsonl(IEnumerable<Utf8LineReader.Line> lines, string path, ITokenizer? tokenizer, int? vocab)
    {
        var documents = new List<int[]>();
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.Text))
            {
                continue;
            }
            var ids = ReadJsonLine(line, path, tokenizer, vocab);
            if (ids.Length > 0)
            {
                documents.Add(ids);
            }
        }
        return documents;
    }

    private static int[] ReadJsonLine(Utf8LineReader.Line line, string path, ITokenizer? tokenizer, int? vocab)
    {
        CalibrationRecord record;
        try
        {
            record = CalibrationRecord.Parse(line.Text);
        }
        catch (JsonException ex)
        {
            int? column = ex.BytePositionInLine is long position ? (int)position + 1 : null;
            throw new LopException(ErrorCodes.CalibrationLineInvalid,
                $"Line {line.Number} is not valid JSON: {ex.Message} Each line must be one JSON object such as {{\"text\": \"...\"}} or {{\"input_ids\": [1, 2, 3]}}.",
                path, line.Number, column, ex);
        }

        using (record)
        {
            if (!record.IsObject)
            {
                throw MissingField(path, line.Number, $"is a JSON {record.Root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }
            if (record.TryGetIds(out var array, out var name))
            {
                return ReadIds(array, name, path, line.Number, vocab);
            }
            if (record.TryGetText(out var text))
            {
                if (text.ValueKind != JsonValueKind.String)
                {
                    throw MissingField(path, line.Number, "has a \"text\" that is not a string");
                }
                if (tokenizer is null)
                {
                    throw NoTokenizer(path, line.Number, "has text");
                }
                var ids = tokenizer.Encode(text.GetString()!);
                CheckRange(ids, vocab, path, line.Number, "the tokenizer");
                return ids;
            }
            throw MissingField(path, line.Number, "has neither a \"text\" string nor an \"input_ids\"/\"ids\" array");
        }
    }

    private static int[] ReadIds(JsonElement array, string name, string path, int line, int? vocab)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            throw MissingField(path, line, $"has an \"{name}\" that is not an array");
        }
        var ids = new int[array.GetArrayLength()];
        var i = 0;
        foreach (var element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var id))
            {
                throw MissingField(path, line, $"has element {i} of \"{name}\" that is not an integer ({element.GetRawText()})");
            }
            ids[i++] = id;
        }
        CheckRange(ids, vocab, path, line, $"\"{name}\"");
        return ids;
    }

    private static void CheckRange(int[] ids, int? vocab, string path, int line, string source)
    {
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if (id < 0 || (vocab is int size && id >= size))
            {
                var range = vocab is int v ? $"0..{v - 1}" : "non-negative ids";
                throw new LopException(ErrorCodes.TokenOutOfRange,
                    $"Line {line}: token id {id} (position {i} from {source}) is outside the vocabulary ({range}). "
                    + "The data was probably tokenized for another model; re-tokenize it with this model's tokenizer.",
                    path, line);
            }
        }
    }

    private static LopException MissingField(string path, int line, string what) =>
        new(ErrorCodes.CalibrationLineInvalid,
            $"Line {line} {what}. Each line must be a JSON object with a \"text\" string or an \"input_ids\" (or \"ids\") array of token ids.",
            path, line);

    private static LopException NoTokenizer(string path, int line, string what) =>
        new(ErrorCodes.TokenizerUnavailable,
            $"Line {line} {what}, which needs a tokenizer, but none is available for this model. "
            + "Add the model's tokenizer files, or give pre-tokenized JSONL ({\"input_ids\": [...]} per line).",
            path, line);
}
