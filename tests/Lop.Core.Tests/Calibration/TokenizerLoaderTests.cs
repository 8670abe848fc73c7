using Lop.Core.Calibration;
using Lop.Core.Errors;

namespace Lop.Core.Tests.Calibration;

public class TokenizerLoaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loads_byte_level_bpe_from_tokenizer_json_and_applies_merges(bool modernLayout)
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout));

        var tokenizer = TokenizerLoader.Load(dir.Path);

        // "hello" merges fully; " world" becomes "Ġwor" + "l" + "d".
        Assert.Equal([259, 262, 'l', 'd'], tokenizer.Encode("hello world"));
        Assert.Equal("hello world", tokenizer.Decode(tokenizer.Encode("hello world")));
        Assert.Equal(264, tokenizer.VocabSize);
        Assert.StartsWith("bpe:", tokenizer.Name);
    }

    [Fact]
    public void Bpe_round_trips_non_ascii_text_through_byte_tokens()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));
        var tokenizer = TokenizerLoader.Load(dir.Path);

        var text = "héllo wörld 世界";
        var ids = tokenizer.Encode(text);

        Assert.Equal([(int)'h', 0xC3, 0xA9, 257, (int)'o'], ids[..5]);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Bpe_keeps_added_special_tokens_whole()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));
        var tokenizer = TokenizerLoader.Load(dir.Path);

        Assert.Equal([259, TinyTokenizerFiles.EndOfText], tokenizer.Encode("hello<|endoftext|>"));
    }

    [Fact]
    public void Loads_sentencepiece_tokenizer_model()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", TinyTokenizerFiles.SentencePieceModel());

        var tokenizer = TokenizerLoader.Load(dir.Path);

        Assert.Equal([15], tokenizer.Encode("hello"));
        Assert.Equal("hello", tokenizer.Decode([15]));
        Assert.Equal(16, tokenizer.VocabSize);
        Assert.StartsWith("sentencepiece:", tokenizer.Name);
    }

    [Fact]
    public void Different_tokenizer_files_get_different_names()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        a.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));
        b.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: false));

        Assert.NotEqual(TokenizerLoader.Load(a.Path).Name, TokenizerLoader.Load(b.Path).Name);
    }

    [Fact]
    public void Empty_folder_is_LOP3005_naming_the_files_and_the_pre_tokenized_way_out()
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<LopException>(() => TokenizerLoader.Load(dir.Path));

        Assert.Equal(ErrorCodes.TokenizerUnavailable, ex.Code);
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("tokenizer.model", ex.Message);
        Assert.Contains("tokenizer_config.json", ex.Message);
        Assert.Contains("input_ids", ex.Message);
    }

    [Fact]
    public void Unusable_files_are_LOP3005_saying_why_each_failed()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", """{"model": {"type": "WordPiece", "vocab": {}}}""");
        dir.WriteBytes("tokenizer.model", [1, 2, 3, 4, 5]);

        var ex = Assert.Throws<LopException>(() => TokenizerLoader.Load(dir.Path));

        Assert.Equal(ErrorCodes.TokenizerUnavailable, ex.Code);
        Assert.Contains("WordPiece", ex.Message);
        Assert.Contains("tokenizer.model could not be loaded", ex.Message);
    }

    [Fact]
    public void A_config_naming_another_class_falls_through_to_tokenizer_json()
    {
        using var dir = new TempDir();
        dir.Write("tokenizer_config.json", """{"tokenizer_class": "Qwen2Tokenizer"}""");
        dir.Write("tokenizer.json", TinyTokenizerFiles.BpeJson(modernLayout: true));

        Assert.StartsWith("bpe:", TokenizerLoader.Load(dir.Path).Name);
    }
}
