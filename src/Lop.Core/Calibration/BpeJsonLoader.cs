using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Lop.Core.Calibration;

/// <summary>
/// Builds a byte-level BPE tokenizer (GPT-2, Qwen2, Llama-3 style) from a Hugging Face tokenizer.json.
/// Microsoft.ML.Tokenizers 2.0.1 cannot read tokenizer.json itself, so vocab, merges, added tokens and the
/// pre-tokenizer regex are read here and handed over through <see cref="BpeOptions"/>.
/// </summary>
internal static class BpeJsonLoader
{
    // GPT-2's split, which the ByteLevel pre-tokenizer applies when tokenizer.json gives no Split regex.
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The tokenizer, or null with <paramref name="reason"/> saying why this file cannot be used.</summary>
    public static ITokenizer? TryLoad(string path, out string? reason)
    {
        reason = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = $"cannot be read: {ex.Message}";
            return null;
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            reason = $"is not valid JSON (line {ex.LineNumber + 1}): {ex.Message}";
            return null;
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                reason = "has no \"model\" object";
                return null;
            }
            reason = WhyNotByteLevelBpe(root);
            if (reason is not null)
            {
                return null;
            }

            var vocab = ReadVocab(model, out reason);
            if (vocab is null)
            {
                return null;
            }
            var merges = ReadMerges(model, out reason);
            if (merges is null)
            {
                return null;
            }
            var special = ReadAddedTokens(root);

            Regex regex;
            var pattern = FindSplitPattern(root) ?? Gpt2Pattern;
            try
            {
                regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException ex)
            {
                reason = $"has a pre-tokenizer regex .NET cannot compile: {ex.Message}";
                return null;
            }

            var options = new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(regex, special.Count > 0 ? special : null),
                SpecialTokens = special.Count > 0 ? special : null,
                UnknownToken = model.TryGetProperty("unk_token", out var unk) && unk.ValueKind == JsonValueKind.String ? unk.GetString() : null,
            };

            BpeTokenizer tokenizer;
            try
            {
                tokenizer = BpeTokenizer.Create(options);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
            {
                reason = $"was rejected by Microsoft.ML.Tokenizers: {ex.Message}";
                return null;
            }

            var vocabSize = 0;
            foreach (var (_, id) in vocab)
            {
                vocabSize = Math.Max(vocabSize, id + 1);
            }
            foreach (var (_, id) in special)
            {
                vocabSize = Math.Max(vocabSize, id + 1);
            }
            var fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16];
            return new MlTokenizerAdapter(tokenizer, $"bpe:tokenizer.json@{fingerprint}", vocabSize, UsesNfc(root));
        }
    }

    /// <summary>
    /// Null when tokenizer.json is a byte-level BPE this loader reads, else why not. GGUF export asks the
    /// same question, so a folder exports the tokenizer that calibration used.
    /// </summary>
    internal static string? WhyNotByteLevelBpe(JsonElement root)
    {
        var model = root.GetProperty("model");
        var type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type != "BPE")
        {
            return $"holds a \"{type ?? "(no type)"}\" model; only BPE is supported";
        }
        if (!IsByteLevel(root))
        {
            // SentencePiece-converted BPE (LLaMA-2's tokenizer.json) relies on Metaspace and byte
            // fallback, which BpeOptions does not reproduce; its tokenizer.model is read instead.
            return "is a BPE model without a ByteLevel pre-tokenizer or decoder (SentencePiece-style); provide tokenizer.model instead";
        }
        return null;
    }

    private static bool IsByteLevel(JsonElement root) =>
        HasComponentOfType(root, "pre_tokenizer", "pretokenizers", "ByteLevel")
        || HasComponentOfType(root, "decoder", "decoders", "ByteLevel");

    private static bool UsesNfc(JsonElement root) => HasComponentOfType(root, "normalizer", "normalizers", "NFC");

    /// <summary>Looks at a component and, for a "Sequence", at its children.</summary>
    private static bool HasComponentOfType(JsonElement root, string property, string sequenceProperty, string type)
    {
        if (!root.TryGetProperty(property, out var component))
        {
            return false;
        }
        foreach (var element in Flatten(component, sequenceProperty))
        {
            if (element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == type)
            {
                return true;
            }
        }
        return false;
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement component, string sequenceProperty)
    {
        if (component.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        yield return component;
        if (component.TryGetProperty(sequenceProperty, out var children) && children.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in children.EnumerateArray())
            {
                if (child.ValueKind == JsonValueKind.Object)
                {
                    yield return child;
                }
            }
        }
    }

    /// <summary>The regex of the first "Split" pre-tokenizer (Qwen2 and Llama-3 put their split there).</summary>
    private static string? FindSplitPattern(JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre))
        {
            return null;
        }
        foreach (var element in Flatten(pre, "pretokenizers"))
        {
            if (element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.GetString() == "Split"
                && element.TryGetProperty("pattern", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
            {
                return regex.GetString();
            }
        }
        return null;
    }

    private static Dictionary<string, int>? ReadVocab(JsonElement model, out string? reason)
    {
        reason = null;
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            reason = "has no \"model.vocab\" object";
            return null;
        }
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                reason = $"has a non-integer id for vocab entry \"{entry.Name}\"";
                return null;
            }
            result[entry.Name] = id;
        }
        return result;
    }

    /// <summary>Merges come as "a b" strings (older files) or ["a", "b"] pairs (tokenizers 0.20+).</summary>
    private static List<string>? ReadMerges(JsonElement model, out string? reason)
    {
        reason = null;
        var result = new List<string>();
        if (!model.TryGetProperty("merges", out var merges) || merges.ValueKind == JsonValueKind.Null)
        {
            return result;
        }
        if (merges.ValueKind != JsonValueKind.Array)
        {
            reason = "has a \"model.merges\" that is not an array";
            return null;
        }
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.String)
            {
                result.Add(merge.GetString()!);
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                // Byte-level tokens never contain a space (it is mapped to 'Ġ'), so joining is lossless.
                result.Add($"{merge[0].GetString()} {merge[1].GetString()}");
            }
            else
            {
                reason = $"has an unreadable merge at index {index} of \"model.merges\"";
                return null;
            }
            index++;
        }
        return result;
    }

    private static Dictionary<string, int> ReadAddedTokens(JsonElement root)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind != JsonValueKind.Array)
        {
            return result;
        }
        foreach (var token in added.EnumerateArray())
        {
            if (token.ValueKind == JsonValueKind.Object
                && token.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                && token.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt32(out var value))
            {
                result[content.GetString()!] = value;
            }
        }
        return result;
    }
}
