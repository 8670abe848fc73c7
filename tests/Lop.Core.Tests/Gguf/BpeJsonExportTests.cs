using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Tests.Calibration;

namespace Lop.Core.Tests.Gguf;

public class BpeJsonExportTests
{
    private const string Corpus = "hello world, hello there. the world is here; where is the hello?";
    internal const string Llama3Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    internal const string Qwen2Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [Theory]
    [InlineData(Llama3Regex, "llama-bpe")]
    [InlineData(Qwen2Regex, "qwen2")]
    public void The_split_regex_of_tokenizer_json_picks_the_llama_cpp_pre_tokenizer(string regex, string expected)
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyBpeTrainer.TokenizerJson(Corpus, regex, mergeCount: 10, arrayMerges: false, added: []));

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 300);

        Assert.Equal("gpt2", exported.Model);
        Assert.Equal(expected, exported.Pre);
    }

    [Fact]
    public void Gpt2s_byte_level_pre_tokenizer_alone_exports_as_gpt_2()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: false));

        Assert.Equal("gpt-2", ExportedTokenizer.Of(dir.Path, vocabRows: 264).Pre);
    }

    [Fact]
    public void Vocab_tokens_keep_their_byte_level_text_and_ids()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 264);

        Assert.Equal("Ġ", exported.Tokens[' ']);
        Assert.Equal("he", exported.Tokens[256]);
        Assert.Equal("Ġwor", exported.Tokens[262]);
        Assert.All(exported.Types[..263], t => Assert.Equal(1, t));
    }

    [Fact]
    public void Added_special_tokens_are_control_and_other_added_tokens_user_defined()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyBpeTrainer.TokenizerJson(Corpus, Qwen2Regex, mergeCount: 10, arrayMerges: false,
            added: [("<|endoftext|>", true), ("<tool>", false), ("<|im_start|>", false)]));

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 270);

        var first = Array.IndexOf(exported.Tokens, "<|endoftext|>");
        Assert.Equal(["<|endoftext|>", "<tool>", "<|im_start|>"], exported.Tokens[first..(first + 3)]);
        // The third is not flagged special but looks like a marker; the converter makes it CONTROL too.
        Assert.Equal([3, 4, 3], exported.Types[first..(first + 3)]);
        Assert.All(exported.Types[..first], t => Assert.Equal(1, t));
    }

    [Fact]
    public void Merges_in_string_and_array_form_export_the_same_ranked_pairs()
    {
        using var strings = new TempDir();
        using var arrays = new TempDir();
        strings.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: false));
        arrays.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));

        var fromStrings = ExportedTokenizer.Of(strings.Path, vocabRows: 264).Merges;
        var fromArrays = ExportedTokenizer.Of(arrays.Path, vocabRows: 264).Merges;

        Assert.Equal(["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or"], fromStrings);
        Assert.Equal(fromStrings, fromArrays);
    }

    [Fact]
    public void A_space_inside_an_array_merge_is_written_as_gpt2s_space_character()
    {
        using var dir = new TempDir();
        var json = JsonNode.Parse(TinyTokenizerFiles.BpeJson(modernLayout: true))!;
        json["model"]!["merges"] = new JsonArray(new JsonArray("a b", "c"));
        dir.Write("tokenizer.json", json.ToJsonString());

        Assert.Equal(["aĠb c"], ExportedTokenizer.Of(dir.Path, vocabRows: 264).Merges);
    }

    [Fact]
    public void Ids_the_tokenizer_does_not_use_are_padded_up_to_the_embedding_rows()
    {
        using var dir = new TempDir();
        var json = JsonNode.Parse(TinyTokenizerFiles.BpeJson(modernLayout: true))!;
        json["added_tokens"]![0]!["id"] = 265; // leaves 263 and 264 empty
        dir.Write("tokenizer.json", json.ToJsonString());

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 268);

        Assert.Equal(268, exported.Tokens.Length);
        Assert.Equal(["[PAD263]", "[PAD264]", "<|endoftext|>", "[PAD266]", "[PAD267]"], exported.Tokens[263..]);
        Assert.Equal([5, 5, 3, 5, 5], exported.Types[263..]);
    }

    [Fact]
    public void Special_tokens_and_flags_come_from_tokenizer_config_in_either_token_form()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));
        dir.Write("tokenizer_config.json", """
            {
              "bos_token": {"content": "<|endoftext|>", "lstrip": false},
              "eos_token": "<|endoftext|>",
              "pad_token": null,
              "add_bos_token": true,
              "add_eos_token": false,
              "chat_template": "{{ messages }}"
            }
            """);

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 264);

        Assert.Equal(TinyTokenizerFiles.EndOfText, exported.Id("bos"));
        Assert.Equal(TinyTokenizerFiles.EndOfText, exported.Id("eos"));
        Assert.Null(exported.Id("padding"));
        Assert.True(exported.Flag("add_bos_token"));
        Assert.False(exported.Flag("add_eos_token"));
        Assert.Equal("{{ messages }}", exported.ChatTemplate);
    }

    [Fact]
    public void Config_json_supplies_ids_tokenizer_config_does_not_name()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));
        dir.Write("tokenizer_config.json", """{"bos_token": null, "eos_token": "<|endoftext|>"}""");
        dir.Write("config.json", """{"bos_token_id": 256, "eos_token_id": 1, "pad_token_id": 9999}""");

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 264);

        Assert.Equal(256, exported.Id("bos"));
        Assert.Equal(TinyTokenizerFiles.EndOfText, exported.Id("eos"));
        Assert.Null(exported.Id("padding")); // outside the vocabulary: skipped, as the converter skips it
    }

    [Fact]
    public void A_template_post_processor_that_prepends_a_special_token_means_bos_is_added()
    {
        using var dir = new TempDir();
        var json = JsonNode.Parse(TinyTokenizerFiles.BpeJson(modernLayout: true))!;
        json["post_processor"] = JsonNode.Parse("""
            {"type": "Sequence", "processors": [
              {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
              {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
               "pair": [], "special_tokens": {}}]}
            """);
        dir.Write("tokenizer.json", json.ToJsonString());

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 264);

        Assert.True(exported.Flag("add_bos_token"));
        Assert.False(exported.Flag("add_eos_token"));
        Assert.Equal(TinyTokenizerFiles.EndOfText, exported.Id("bos"));
    }

    [Fact]
    public void A_list_of_chat_templates_contributes_its_default_one()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));
        dir.Write("tokenizer_config.json", """
            {"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
            """);

        Assert.Equal("D", ExportedTokenizer.Of(dir.Path, vocabRows: 264).ChatTemplate);
    }

    [Fact]
    public void A_chat_template_jinja_file_is_used_when_tokenizer_config_has_none()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));
        dir.Write("tokenizer_config.json", "{}");
        dir.Write("chat_template.jinja", "{% for m in messages %}{{ m.content }}{% endfor %}");

        Assert.Equal("{% for m in messages %}{{ m.content }}{% endfor %}", ExportedTokenizer.Of(dir.Path, vocabRows: 264).ChatTemplate);
    }
}
