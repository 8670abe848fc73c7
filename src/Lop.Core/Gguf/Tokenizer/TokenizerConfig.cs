using System.Text.Json;
using Lop.Core.Errors;

namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// What a Hugging Face model folder says about special tokens beside the tokenizer itself:
/// tokenizer_config.json (bos/eos/unk/pad tokens, add_bos_token, add_eos_token, chat_template),
/// chat_template.jinja or chat_template.json, and config.json's token ids as the last resort, the
/// same sources and precedence llama.cpp's converter uses.
/// </summary>
internal sealed class TokenizerConfig
{
    public const string FileName = "tokenizer_config.json";

    private static readonly string[] SpecialKinds = ["bos", "eos", "unk", "pad"];

    private readonly Dictionary<string, string> _tokens = [];
    private readonly Dictionary<string, int> _configIds = [];

    public bool? AddBos { get; private set; }
    public bool? AddEos { get; private set; }
    public string? ChatTemplate { get; private set; }

    public static TokenizerConfig Read(string modelFolder)
    {
        var config = new TokenizerConfig();
        var path = Path.Combine(modelFolder, FileName);
        if (File.Exists(path))
        {
            using var json = Parse(path);
            config.ReadTokenizerConfig(json.RootElement, path);
        }
        config.ChatTemplate ??= ReadTemplateFile(modelFolder);
        var configJson = Path.Combine(modelFolder, "config.json");
        if (File.Exists(configJson))
        {
            using var json = Parse(configJson);
            config.ReadConfigIds(json.RootElement);
        }
        return config;
    }

    /// <summary>
    /// Sets the special ids the folder states, resolving token texts with <paramref name="idOf"/>;
    /// ids it does not state keep what the tokenizer itself said. Call it on the padded vocabulary.
    /// </summary>
    public void ApplyTo(GgufVocabulary vocabulary, Func<string, int?> idOf)
    {
        var rows = vocabulary.Tokens.Count;
        vocabulary.BosId = Resolve("bos", idOf, rows) ?? vocabulary.BosId;
        vocabulary.EosId = Resolve("eos", idOf, rows) ?? vocabulary.EosId;
        vocabulary.UnknownId = Resolve("unk", idOf, rows) ?? vocabulary.UnknownId;
        vocabulary.PaddingId = Resolve("pad", idOf, rows) ?? vocabulary.PaddingId;
        vocabulary.AddBos = AddBos ?? vocabulary.AddBos;
        vocabulary.AddEos = AddEos ?? vocabulary.AddEos;
        vocabulary.ChatTemplate = ChatTemplate ?? vocabulary.ChatTemplate;
    }

    private int? Resolve(string kind, Func<string, int?> idOf, int rows)
    {
        if (_tokens.TryGetValue(kind, out var text) && idOf(text) is int id)
        {
            return id;
        }
        // config.json ids outside the vocabulary are skipped, as the converter skips them with a warning.
        return _configIds.TryGetValue(kind, out var configId) && configId < rows ? configId : null;
    }

    private void ReadTokenizerConfig(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Unreadable(path, "it is not a JSON object");
        }
        foreach (var kind in SpecialKinds)
        {
            // A token is either its text or an AddedToken object {"content": ..., ...}.
            if (root.TryGetProperty($"{kind}_token", out var token))
            {
                var text = token.ValueKind switch
                {
                    JsonValueKind.String => token.GetString(),
                    JsonValueKind.Object when token.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
                    _ => null,
                };
                if (!string.IsNullOrEmpty(text))
                {
                    _tokens[kind] = text;
                }
            }
        }
        AddBos = Flag(root, "add_bos_token");
        AddEos = Flag(root, "add_eos_token");
        if (root.TryGetProperty("chat_template", out var template))
        {
            ChatTemplate = template.ValueKind switch
            {
                JsonValueKind.String => template.GetString(),
                // Several named templates: llama.cpp's tokenizer.chat_template is the "default" one.
                JsonValueKind.Array => template.EnumerateArray()
                    .Where(t => t.ValueKind == JsonValueKind.Object
                        && t.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() == "default"
                        && t.TryGetProperty("template", out var body) && body.ValueKind == JsonValueKind.String)
                    .Select(t => t.GetProperty("template").GetString())
                    .FirstOrDefault(),
                _ => null,
            };
        }
    }

    private void ReadConfigIds(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        foreach (var kind in SpecialKinds)
        {
            // Multimodal configs keep the language model's ids under text_config.
            var id = Id(root, $"{kind}_token_id")
                ?? (root.TryGetProperty("text_config", out var text) && text.ValueKind == JsonValueKind.Object ? Id(text, $"{kind}_token_id") : null);
            if (id is int value)
            {
                _configIds[kind] = value;
            }
        }
    }

    private static int? Id(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var id) && id >= 0 ? id : null;

    private static bool? Flag(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    private static string? ReadTemplateFile(string modelFolder)
    {
        var jinja = Path.Combine(modelFolder, "chat_template.jinja");
        if (File.Exists(jinja))
        {
            try
            {
                return File.ReadAllText(jinja);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Unreadable(jinja, ex.Message);
            }
        }
        var json = Path.Combine(modelFolder, "chat_template.json");
        if (File.Exists(json))
        {
            using var document = Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("chat_template", out var template) && template.ValueKind == JsonValueKind.String)
            {
                return template.GetString();
            }
        }
        return null;
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw Unreadable(path, $"it is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, ex.Message);
        }
    }

    private static LopException Unreadable(string path, string why) =>
        new(ErrorCodes.TokenizerNotExportable,
            $"cannot read {Path.GetFileName(path)}: {why}. Its special tokens and chat template go into the GGUF file; fix or remove the file.", path);
}
