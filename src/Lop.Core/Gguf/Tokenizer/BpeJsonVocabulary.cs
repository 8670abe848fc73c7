using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Errors;

namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// A byte-level BPE tokenizer.json (GPT-2, Llama-3, Qwen2) as a llama.cpp "gpt2" vocabulary: vocab and
/// added tokens by id, token types, merges in rank order, the matching pre-tokenizer, and whether a
/// BOS/EOS is added (from the post-processor; tokenizer_config.json may still override it).
/// </summary>
internal static class BpeJsonVocabulary
{
    /// <summary>
    /// The vocabulary, or null with <paramref name="notByteLevel"/> saying why when tokenizer.json is not a
    /// byte-level BPE (the calibration loader then reads tokenizer.model instead, and so does export).
    /// </summary>
    public static GgufVocabulary? TryBuild(string path, int vocabRows, out Func<string, int?> idOf, out string? notByteLevel)
    {
        idOf = _ => null;
        using var json = Parse(path);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw NotExportable(path, "it has no \"model\" object");
        }
        notByteLevel = BpeJsonLoader.WhyNotByteLevelBpe(root);
        if (notByteLevel is not null)
        {
            return null;
        }
        if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True
            || !(root.TryGetProperty("decoder", out var decoder) && String(decoder, "type") == "ByteLevel"))
        {
            throw NotExportable(path, "it mixes byte-level BPE with SentencePiece parts (byte_fallback, or a decoder other than ByteLevel), which llama.cpp's gpt2 tokenizer does not reproduce");
        }
        var pre = BpePreTokenizer.Detect(root, out var found)
            ?? throw NotExportable(path, $"its pre-tokenizer is {found}, which is not one llama.cpp implements (GPT-2's ByteLevel, or the Llama-3 or Qwen2 Split regex); llama.cpp would split the text differently and produce other token ids");
        CheckNormalizer(root, path);

        var texts = new SortedDictionary<int, string>();
        var types = new Dictionary<int, GgufTokenType>();
        ReadVocab(model, path, texts);
        ReadAddedTokens(root, path, texts, types);

        var count = texts.Count == 0 ? 0 : texts.Keys.Last() + 1;
        if (count > vocabRows)
        {
            throw NotExportable(path, $"it has token id {count - 1} but the model's embedding has only {vocabRows} rows; check that the tokenizer belongs to this model");
        }
        var tokens = new List<string>(vocabRows);
        var tokenTypes = new List<GgufTokenType>(vocabRows);
        for (var id = 0; id < count; id++)
        {
            var known = texts.TryGetValue(id, out var text);
            tokens.Add(known ? text! : $"[PAD{id}]");
            tokenTypes.Add(known ? types.GetValueOrDefault(id, GgufTokenType.Normal) : GgufTokenType.Unused);
        }

        var byText = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, text) in texts)
        {
            byText.TryAdd(text, id);
        }
        idOf = text => byText.TryGetValue(text, out var id) ? id : null;

        var vocabulary = new GgufVocabulary
        {
            Model = "gpt2",
            Pre = pre,
            Tokens = tokens,
            Types = tokenTypes,
            Merges = ReadMerges(model, path),
            SourceFile = path,
        };
        ReadPostProcessor(root, vocabulary, idOf);
        vocabulary.PadTo(vocabRows);
        return vocabulary;
    }

    /// <summary>
    /// llama.cpp applies no normalizer to byte-level BPE. NFC is accepted as the converter accepts it for
    /// Qwen2: text that is already NFC (nearly all text) tokenizes the same.
    /// </summary>
    private static void CheckNormalizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        var steps = String(normalizer, "type") == "Sequence" && normalizer.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToArray()
            : [normalizer];
        var other = steps.Select(s => String(s, "type") ?? "(no type)").FirstOrDefault(t => t != "NFC");
        if (other is not null)
        {
            throw NotExportable(path, $"it has a \"{other}\" normalizer, which llama.cpp does not apply to byte-level BPE; llama.cpp would tokenize the text differently");
        }
    }

    private static void ReadVocab(JsonElement model, string path, SortedDictionary<int, string> texts)
    {
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw NotExportable(path, "it has no \"model.vocab\" object");
        }
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw NotExportable(path, $"vocab entry \"{entry.Name}\" has no non-negative integer id");
            }
            if (!texts.TryAdd(id, entry.Name))
            {
                throw NotExportable(path, $"id {id} is given to both \"{texts[id]}\" and \"{entry.Name}\"");
            }
        }
    }

    /// <summary>
    /// Added tokens are typed as llama.cpp's converter types them: special ones (and ones that look like
    /// "&lt;|...|&gt;" markers) CONTROL, matched only when parsing special tokens; the rest USER_DEFINED,
    /// matched in raw text like Hugging Face matches them.
    /// </summary>
    private static void ReadAddedTokens(JsonElement root, string path, SortedDictionary<int, string> texts, Dictionary<int, GgufTokenType> types)
    {
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var token in added.EnumerateArray())
        {
            if (String(token, "content") is not string content
                || !token.TryGetProperty("id", out var idElement) || !idElement.TryGetInt32(out var id) || id < 0)
            {
                throw NotExportable(path, $"an entry of \"added_tokens\" has no content or id: {token.GetRawText()}");
            }
            if (texts.TryGetValue(id, out var existing) && existing != content)
            {
                throw NotExportable(path, $"added token \"{content}\" takes id {id} of vocab entry \"{existing}\"");
            }
            texts[id] = content;
            var special = token.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
            types[id] = special || LooksSpecial(content) ? GgufTokenType.Control : GgufTokenType.UserDefined;
        }
    }

    /// <summary>Markers some models forget to flag as special; the converter types them CONTROL too.</summary>
    private static bool LooksSpecial(string text) =>
        text is "<pad>" or "<mask>" or "<2mass>" or "[@BOS@]"
        || (text.StartsWith("<|", StringComparison.Ordinal) && text.EndsWith("|>", StringComparison.Ordinal))
        || (text.StartsWith("<｜", StringComparison.Ordinal) && text.EndsWith("｜>", StringComparison.Ordinal))
        || (text.StartsWith("<unused", StringComparison.Ordinal) && text.EndsWith('>'));

    /// <summary>
    /// llama.cpp stores a merge as "left right" and splits at the first space after the first character.
    /// The ["left", "right"] form (tokenizers 0.20+) can hold spaces; they are written as GPT-2's
    /// character for a space, as the converter does.
    /// </summary>
    private static List<string> ReadMerges(JsonElement model, string path)
    {
        var result = new List<string>();
        if (!model.TryGetProperty("merges", out var merges) || merges.ValueKind == JsonValueKind.Null)
        {
            return result;
        }
        if (merges.ValueKind != JsonValueKind.Array)
        {
            throw NotExportable(path, "\"model.merges\" is not an array");
        }
        var space = Gpt2ByteCharacters.Of((byte)' ');
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.String && merge.GetString() is string pair && pair.IndexOf(' ', 1) > 0)
            {
                result.Add(pair);
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                result.Add($"{merge[0].GetString()!.Replace(" ", space)} {merge[1].GetString()!.Replace(" ", space)}");
            }
            else
            {
                throw NotExportable(path, $"merge {index} of \"model.merges\" is neither \"left right\" nor [\"left\", \"right\"]: {merge.GetRawText()}");
            }
            index++;
        }
        return result;
    }

    /// <summary>
    /// A TemplateProcessing post-processor that puts a special token first (Llama-3's &lt;|begin_of_text|&gt;)
    /// or last means the tokenizer adds BOS or EOS. Stating it matters: llama.cpp otherwise decides by
    /// pre-tokenizer (true for "llama-bpe", false for the others).
    /// </summary>
    private static void ReadPostProcessor(JsonElement root, GgufVocabulary vocabulary, Func<string, int?> idOf)
    {
        if (!root.TryGetProperty("post_processor", out var post) || post.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        var processors = String(post, "type") == "Sequence" && post.TryGetProperty("processors", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToArray()
            : [post];
        foreach (var processor in processors)
        {
            if (String(processor, "type") != "TemplateProcessing"
                || !processor.TryGetProperty("single", out var single) || single.ValueKind != JsonValueKind.Array || single.GetArrayLength() == 0)
            {
                continue;
            }
            var items = single.EnumerateArray().ToArray();
            var first = SpecialTokenOf(items[0]);
            var last = items.Length > 1 ? SpecialTokenOf(items[^1]) : null;
            vocabulary.AddBos = first is not null;
            vocabulary.AddEos = last is not null;
            vocabulary.BosId = first is null ? vocabulary.BosId : idOf(first) ?? vocabulary.BosId;
            vocabulary.EosId = last is null ? vocabulary.EosId : idOf(last) ?? vocabulary.EosId;
        }
    }

    private static string? SpecialTokenOf(JsonElement item) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("SpecialToken", out var special) ? String(special, "id") : null;

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonDocument Parse(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw NotExportable(path, $"it is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotExportable(path, $"it cannot be read: {ex.Message}");
        }
    }

    internal static LopException NotExportable(string path, string why) =>
        new(ErrorCodes.TokenizerNotExportable, $"{Path.GetFileName(path)} cannot be exported to GGUF: {why}.", path);
}
