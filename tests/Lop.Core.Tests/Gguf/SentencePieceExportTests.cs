using Lop.Core.Tests.Calibration;

namespace Lop.Core.Tests.Gguf;

public class SentencePieceExportTests
{
    [Fact]
    public void A_sentencepiece_model_exports_its_pieces_scores_and_types()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build());

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: SentencePieceFile.PieceCount);

        Assert.Equal("llama", exported.Model);
        Assert.Equal("default", exported.Pre);
        Assert.Equal(["<unk>", "<s>", "</s>", "<0x00>", "<0x01>"], exported.Tokens[..5]);
        Assert.Equal("<0xFF>", exported.Tokens[258]);
        Assert.Equal(["▁", "h", "e", "▁he"], exported.Tokens[259..]);
        Assert.Equal([2, 3, 3, 6, 6], exported.Types[..5]);
        Assert.Equal([1, 1, 1, 1], exported.Types[259..]);
        Assert.Equal([-1f, -2f, -3f, -4f], exported.Scores[259..]);
        Assert.True(exported.Flag("add_space_prefix"));
        Assert.False(exported.Has("tokenizer.ggml.merges"));
    }

    [Fact]
    public void Special_ids_come_from_the_trainer_spec()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build(addDummyPrefix: false));

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: SentencePieceFile.PieceCount);

        Assert.Equal(0, exported.Id("unknown"));
        Assert.Equal(1, exported.Id("bos"));
        Assert.Equal(2, exported.Id("eos"));
        Assert.Null(exported.Id("padding")); // pad_id -1: none
        Assert.False(exported.Flag("add_space_prefix"));
    }

    [Fact]
    public void Tokenizer_config_overrides_the_trainer_spec_ids_and_sets_the_flags()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build());
        dir.Write("tokenizer_config.json", """{"eos_token": "▁he", "add_bos_token": true, "add_eos_token": false}""");

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: SentencePieceFile.PieceCount);

        Assert.Equal(262, exported.Id("eos"));
        Assert.Equal(1, exported.Id("bos"));
        Assert.True(exported.Flag("add_bos_token"));
        Assert.False(exported.Flag("add_eos_token"));
    }

    [Fact]
    public void Extra_embedding_rows_become_unused_pieces_with_the_lowest_score()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build());

        var exported = ExportedTokenizer.Of(dir.Path, vocabRows: SentencePieceFile.PieceCount + 2);

        Assert.Equal(["[PAD263]", "[PAD264]"], exported.Tokens[263..]);
        Assert.Equal([5, 5], exported.Types[263..]);
        Assert.Equal([-1000f, -1000f], exported.Scores[263..]);
    }

    [Fact]
    public void A_tokenizer_json_that_is_sentencepiece_style_defers_to_tokenizer_model()
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build());
        dir.Write("tokenizer.json", """
            {"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": []},
             "pre_tokenizer": {"type": "Metaspace"}, "decoder": {"type": "Sequence", "decoders": []}}
            """);

        Assert.Equal("llama", ExportedTokenizer.Of(dir.Path, vocabRows: SentencePieceFile.PieceCount).Model);
    }
}
