using Lop.Core.Calibration;
using Lop.Core.Tests.Calibration;

namespace Lop.Core.Tests.Gguf;

public class ByteTokenizerExportTests
{
    [Fact]
    public void The_byte_tokenizer_becomes_a_gpt2_vocabulary_of_the_256_byte_characters_without_merges()
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 256);

        Assert.Equal("gpt2", exported.Model);
        Assert.Equal(256, exported.Tokens.Length);
        Assert.Equal("Ġ", exported.Tokens[' ']);
        Assert.Equal("Ċ", exported.Tokens['\n']);
        Assert.Equal("A", exported.Tokens['A']);
        Assert.Equal("ÿ", exported.Tokens[0xFF]);
        Assert.All(exported.Types, t => Assert.Equal(1, t));
        Assert.Empty(exported.Merges);
        Assert.Equal(256, exported.Tokens.Distinct().Count());
    }

    [Fact]
    public void The_byte_tokenizer_adds_no_bos_or_eos_and_marks_a_byte_that_never_occurs_in_utf8_as_both()
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 256);

        Assert.False(exported.Flag("add_bos_token"));
        Assert.False(exported.Flag("add_eos_token"));
        Assert.Equal(0xFF, exported.Id("bos"));
        Assert.Equal(0xFF, exported.Id("eos"));
    }

    [Fact]
    public void Extra_embedding_rows_become_unused_pad_tokens_and_the_first_one_marks_bos_and_eos()
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: 258);

        Assert.Equal(["[PAD256]", "[PAD257]"], exported.Tokens[256..]);
        Assert.Equal([5, 5], exported.Types[256..]);
        Assert.Equal(256, exported.Id("bos"));
        Assert.Equal(256, exported.Id("eos"));
    }

    [Fact]
    public void An_embedding_smaller_than_256_rows_is_refused()
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);

        var error = Assert.Throws<Lop.Core.Errors.LopException>(() => ExportedTokenizer.Of(dir.Path, vocabRows: 200));

        Assert.Equal("LOP6301", error.Code);
        Assert.Contains("200 rows", error.Message);
    }
}
