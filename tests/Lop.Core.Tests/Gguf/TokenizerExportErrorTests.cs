using System.Text.Json.Nodes;
using Lop.Core.Errors;
using Lop.Core.Tests.Calibration;

namespace Lop.Core.Tests.Gguf;

public class TokenizerExportErrorTests
{
    [Fact]
    public void An_unknown_pre_tokenizer_is_refused_naming_tokenizer_json_and_what_it_found()
    {
        using var dir = new TempDir();
        var json = JsonNode.Parse(TinyTokenizerFiles.BpeJson(modernLayout: true))!;
        json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = @"\w+|\s+";
        var path = dir.Write("tokenizer.json", json.ToJsonString());

        var error = Refused(dir.Path, 264);

        Assert.Equal(path, error.File);
        Assert.Contains(@"Split(regex ""\w+|\s+"", Isolated)", error.Message);
        Assert.Contains("llama.cpp would split the text differently", error.Message);
    }

    [Fact]
    public void A_byte_level_pre_tokenizer_that_adds_a_prefix_space_is_refused()
    {
        using var dir = new TempDir();
        var json = JsonNode.Parse(TinyTokenizerFiles.BpeJson(modernLayout: false))!;
        json["pre_tokenizer"]!["add_prefix_space"] = true;
        dir.Write("tokenizer.json", json.ToJsonString());

        Assert.Contains("ByteLevel(add_prefix_space=true, use_regex=true)", Refused(dir.Path, 264).Message);
    }

    [Fact]
    public void A_normalizer_llama_cpp_does_not_apply_is_refused()
    {
        using var dir = new TempDir();
        var json = JsonNode.Parse(TinyTokenizerFiles.BpeJson(modernLayout: true))!;
        json["normalizer"] = JsonNode.Parse("""{"type": "Lowercase"}""");
        dir.Write("tokenizer.json", json.ToJsonString());

        Assert.Contains("\"Lowercase\" normalizer", Refused(dir.Path, 264).Message);
    }

    [Fact]
    public void A_wordpiece_tokenizer_json_is_refused_naming_its_model_type()
    {
        using var dir = new TempDir();
        var path = dir.Write("tokenizer.json", """{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}""");

        var error = Refused(dir.Path, 10);

        Assert.Equal(path, error.File);
        Assert.Contains("\"WordPiece\" model", error.Message);
    }

    [Fact]
    public void A_vocabulary_larger_than_the_embedding_is_refused()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));

        Assert.Contains("only 200 rows", Refused(dir.Path, 200).Message);
    }

    [Fact]
    public void A_folder_without_a_tokenizer_is_refused_saying_what_was_looked_for()
    {
        using var dir = new TempDir();

        var error = Refused(dir.Path, 10);

        Assert.Equal(dir.Path, error.File);
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("tokenizer.model", error.Message);
    }

    [Fact]
    public void Unreadable_tokenizer_json_is_refused_with_the_json_error()
    {
        using var dir = new TempDir();
        var path = dir.Write("tokenizer.json", "{\"model\": ");

        var error = Refused(dir.Path, 10);

        Assert.Equal(path, error.File);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void Two_ids_with_the_same_text_are_refused_as_llama_cpp_refuses_them()
    {
        using var dir = new TempDir();
        var json = JsonNode.Parse(TinyTokenizerFiles.BpeJson(modernLayout: true))!;
        json["added_tokens"]![0]!["content"] = "he"; // also vocab id 256
        dir.Write("tokenizer.json", json.ToJsonString());

        Assert.Contains("tokens 256 and 263 are both \"he\"", Refused(dir.Path, 264).Message);
    }

    [Fact]
    public void A_unigram_sentencepiece_model_is_refused()
    {
        using var dir = new TempDir();
        var path = dir.WriteBytes("tokenizer.model", SentencePieceFile.Build(modelType: 1));

        var error = Refused(dir.Path, SentencePieceFile.PieceCount);

        Assert.Equal(path, error.File);
        Assert.Contains("type 1", error.Message);
    }

    [Fact]
    public void A_sentencepiece_model_without_byte_pieces_is_refused()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build(withBytePieces: false));

        Assert.Contains("0 byte pieces", Refused(dir.Path, 10).Message);
    }

    [Fact]
    public void A_sentencepiece_model_that_removes_extra_whitespace_is_refused()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build(removeExtraWhitespaces: true));

        Assert.Contains("remove_extra_whitespaces=true", Refused(dir.Path, SentencePieceFile.PieceCount).Message);
    }

    [Fact]
    public void A_truncated_sentencepiece_model_is_refused()
    {
        using var dir = new TempDir();
        var bytes = SentencePieceFile.Build();
        dir.WriteBytes("tokenizer.model", bytes[..(bytes.Length - 3)]);

        Assert.Contains("not a readable SentencePiece model", Refused(dir.Path, SentencePieceFile.PieceCount).Message);
    }

    private static LopException Refused(string folder, int vocabRows)
    {
        var error = Assert.Throws<LopException>(() => ExportedTokenizer.Of(folder, vocabRows));
        Assert.Equal(ErrorCodes.TokenizerNotExportable, error.Code);
        return error;
    }
}
