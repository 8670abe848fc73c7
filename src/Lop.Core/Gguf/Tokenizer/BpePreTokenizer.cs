using System.Text.Json;

namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// Names the llama.cpp pre-tokenizer (<c>tokenizer.ggml.pre</c>) that splits text exactly as a
/// tokenizer.json's pre_tokenizer does. llama.cpp cannot run an arbitrary regex: it only knows a fixed
/// list of splits, so a pre-tokenizer that is not one of them has no correct export.
/// </summary>
internal static class BpePreTokenizer
{
    // The Split regexes as Llama-3 and Qwen2 ship them in tokenizer.json; they differ only in \p{N}{1,3}.
    internal const string Llama3Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    internal const string Qwen2Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Dictionary<string, string> SplitRegexes = new(StringComparer.Ordinal)
    {
        [Llama3Regex] = "llama-bpe",
        [Qwen2Regex] = "qwen2",
    };

    /// <summary>The llama.cpp name, or null with <paramref name="found"/> describing the unsupported pre-tokenizer.</summary>
    public static string? Detect(JsonElement root, out string found)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            found = "no pre_tokenizer";
            return null;
        }
        found = Describe(pre);
        var steps = Type(pre) == "Sequence" && pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToArray()
            : [pre];

        // GPT-2: ByteLevel alone, splitting with its built-in regex and adding no leading space.
        if (steps.Length == 1 && IsByteLevel(steps[0], useRegex: true))
        {
            return "gpt-2";
        }
        // Llama-3 and Qwen2: a Split that isolates matches, then ByteLevel without a regex of its own.
        if (steps.Length == 2 && IsByteLevel(steps[1], useRegex: false)
            && Type(steps[0]) == "Split"
            && String(steps[0], "behavior") == "Isolated"
            && !(steps[0].TryGetProperty("invert", out var invert) && invert.ValueKind == JsonValueKind.True)
            && steps[0].TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
            && String(pattern, "Regex") is string regex
            && SplitRegexes.TryGetValue(regex, out var name))
        {
            return name;
        }
        return null;
    }

    /// <summary>ByteLevel's add_prefix_space and use_regex both default to true in Hugging Face tokenizers.</summary>
    private static bool IsByteLevel(JsonElement step, bool useRegex) =>
        Type(step) == "ByteLevel"
        && Bool(step, "add_prefix_space", defaultValue: true) == false
        && Bool(step, "use_regex", defaultValue: true) == useRegex;

    private static string Describe(JsonElement step)
    {
        var type = Type(step) ?? "(no type)";
        if (type == "Sequence" && step.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            return $"Sequence[{string.Join(", ", list.EnumerateArray().Select(Describe))}]";
        }
        if (type == "Split" && step.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object)
        {
            var text = String(pattern, "Regex") is string regex ? $"regex \"{regex}\"" : $"string \"{String(pattern, "String")}\"";
            return $"Split({text}, {String(step, "behavior")})";
        }
        if (type == "ByteLevel")
        {
            return $"ByteLevel(add_prefix_space={Json(Bool(step, "add_prefix_space", true))}, use_regex={Json(Bool(step, "use_regex", true))})";
        }
        return type;
    }

    private static string Json(bool value) => value ? "true" : "false";

    private static string? Type(JsonElement element) => String(element, "type");

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement element, string name, bool defaultValue) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : defaultValue;
}
