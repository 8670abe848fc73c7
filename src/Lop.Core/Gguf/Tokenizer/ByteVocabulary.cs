namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// The built-in sample's byte tokenizer (id = UTF-8 byte) as a llama.cpp byte-level BPE vocabulary with
/// no merges: token i is GPT-2's character for byte i, so llama.cpp maps every input byte to exactly
/// that id and every id back to its byte.
/// </summary>
internal static class ByteVocabulary
{
    /// <summary>
    /// Without merges the split regex cannot change any id, so the pre-tokenizer is chosen for its
    /// side effect: llama.cpp "cleans up" spaces before punctuation when it detokenizes the "default"
    /// and "gpt-2" pre-tokenizers (" ," becomes ","), but not "qwen2", and the byte tokenizer must
    /// give back exactly the bytes it was given.
    /// </summary>
    public const string PreTokenizer = "qwen2";

    /// <summary>
    /// A byte that never occurs in UTF-8 text. llama.cpp's gpt2 vocabulary defaults BOS and EOS to id 11,
    /// which here is the vertical tab, so generation would stop at a real character; the keys must name
    /// some id, and when the embedding has no spare row this byte is the one the model never produces
    /// from text (and, were it produced, the output would not be valid UTF-8 anyway).
    /// </summary>
    public const int NeverInUtf8 = 0xFF;

    public static GgufVocabulary Build(string sourceFile, int vocabRows)
    {
        var tokens = new List<string>(Math.Max(vocabRows, 256));
        var types = new List<GgufTokenType>(tokens.Capacity);
        for (var b = 0; b < 256; b++)
        {
            tokens.Add(Gpt2ByteCharacters.Of((byte)b));
            types.Add(GgufTokenType.Normal);
        }
        var vocabulary = new GgufVocabulary
        {
            Model = "gpt2",
            Pre = PreTokenizer,
            Tokens = tokens,
            Types = types,
            Merges = [],
            AddBos = false,
            AddEos = false,
            SourceFile = sourceFile,
        };
        vocabulary.PadTo(vocabRows);
        // A padded row (the multimodal sample's image token, say) is never text: a safe end marker.
        var marker = vocabRows > 256 ? 256 : NeverInUtf8;
        vocabulary.BosId = marker;
        vocabulary.EosId = marker;
        return vocabulary;
    }
}
