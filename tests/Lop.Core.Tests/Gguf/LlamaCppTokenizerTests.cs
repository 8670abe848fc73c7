using Lop.Core.Calibration;
using Lop.Core.Gguf;
using Lop.Core.Tests.Calibration;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// The exported tokenizer keys loaded by the real llama.cpp, in a tiny llama model: llama.cpp must
/// turn text into the ids our own tokenizer gives (the ids the model was trained and pruned on) and
/// turn them back into the same text.
/// </summary>
public class LlamaCppTokenizerTests
{
    public static readonly TheoryData<string> Texts = new()
    {
        "Hello, world!",
        "  two leading spaces, trailing two  ",
        "line one\nline two\r\n\n\ttabbed",
        "digits 0 12 345 67890 and 3.14159",
        "punctuation: (a) [b] {c} <d> \"e\" 'f' ... ?!",
        "don't we'll they're I'M",
        "café déjà vu é",
        "日本語のテキスト 日本",
        "mixed:héllo世界😀 end",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Llama_cpp_tokenizes_like_the_byte_tokenizer_and_decodes_back_to_the_text(string text)
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);
        using var llama = LoadExported(dir.Path, vocabRows: 256);

        var expected = TokenizerLoader.Load(dir.Path).Encode(text);
        var actual = llama.Tokenize(text);

        Assert.Equal(expected, actual);
        Assert.Equal(text, llama.Detokenize(actual));
        Assert.Equal(text, llama.DetokenizeWhole(actual));
    }

    [Fact]
    public void Llama_cpp_ends_generation_only_on_the_byte_that_never_occurs_in_utf8()
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);
        using var llama = LoadExported(dir.Path, vocabRows: 256);
        var vocab = llama.Weights.Vocab;

        Assert.Equal(0xFF, (int?)vocab.EOS);
        Assert.Equal(0xFF, (int?)vocab.BOS);
        Assert.False(vocab.ShouldAddBOS);
        Assert.False(vocab.ShouldAddEOS);
        // llama.cpp's gpt2 default would have been id 11, the vertical tab.
        var endsGeneration = Enumerable.Range(0, 256).Where(id => ((LLama.Native.LLamaToken)id).IsEndOfGeneration(vocab)).ToArray();
        Assert.Equal([0xFF], endsGeneration);
    }

    [Fact]
    public void Llama_cpp_keeps_spaces_before_punctuation_when_detokenizing_the_byte_tokenizer()
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);
        using var llama = LoadExported(dir.Path, vocabRows: 257);

        var text = "a , b . c ' d 's";
        var ids = llama.Tokenize(text);

        Assert.Equal(text, llama.Detokenize(ids));
        Assert.Equal(text, llama.DetokenizeWhole(ids));
        Assert.Equal(256, (int?)llama.Weights.Vocab.EOS);
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Llama_cpp_tokenizes_a_llama3_style_bpe_like_our_loader(string text) =>
        AssertSameTokens(BpeJsonExportTests.Llama3Regex, text);

    [Theory]
    [MemberData(nameof(Texts))]
    public void Llama_cpp_tokenizes_a_qwen2_style_bpe_like_our_loader(string text) =>
        AssertSameTokens(BpeJsonExportTests.Qwen2Regex, text);

    [Theory]
    [InlineData("he he")]
    [InlineData("hello, wörld 日本")]
    [InlineData(" he\nhe  e")]
    public void Llama_cpp_tokenizes_a_sentencepiece_model_like_our_loader(string text)
    {
        using var dir = new TempDir();
        dir.WriteBytes("tokenizer.model", SentencePieceFile.Build());
        var ours = TokenizerLoader.Load(dir.Path);
        using var llama = LoadExported(dir.Path, vocabRows: SentencePieceFile.PieceCount);

        var expected = ours.Encode(text);
        var actual = llama.Tokenize(text);

        Assert.Equal(expected, actual);
        Assert.Equal(text, ours.Decode(actual));
    }

    private static void AssertSameTokens(string splitRegex, string text)
    {
        using var dir = new TempDir();
        dir.Write("tokenizer.json", TinyBpeTrainer.TokenizerJson(TrainingText, splitRegex, mergeCount: 60, arrayMerges: true,
            added: [("<|endoftext|>", true)]));
        var ours = TokenizerLoader.Load(dir.Path);
        using var llama = LoadExported(dir.Path, vocabRows: ours.VocabSize + 3);

        var expected = ours.Encode(text);
        var actual = llama.Tokenize(text);

        Assert.Equal(expected, actual);
        Assert.Contains(expected, id => id >= 256); // merges were applied, not just bytes
        Assert.Equal(text, llama.Detokenize(actual));
        Assert.Equal(text, ours.Decode(actual));
    }

    /// <summary>Text with the words, digits and punctuation of <see cref="Texts"/>, so the merges matter.</summary>
    private const string TrainingText =
        "Hello, world! Hello there, the world is here. The line one and line two are tabbed. "
        + "Digits 0 12 345 67890 and 3.14159 and 123 456. Don't we'll they're I'm. "
        + "Café, déjà vu, é. 日本語のテキスト 日本 日本. Punctuation: (a) [b] {c} ... ?! "
        + "the the the and and hello hello world world line line digits digits";

    private static LlamaCpp LoadExported(string modelFolder, int vocabRows)
    {
        var metadata = TinyGguf.LlamaMetadata();
        GgufTokenizerMetadata.AddTo(metadata, modelFolder, vocabRows);
        var path = Path.Combine(modelFolder, "model.gguf");
        TinyGguf.Write(path, metadata, vocabRows);
        return LlamaCpp.Load(path);
    }
}
