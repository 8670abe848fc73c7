namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// GPT-2's bytes_to_unicode: the character a byte-level BPE vocabulary stores for each byte. Printable
/// Latin-1 bytes stand for themselves; the other 68 take U+0100 onwards in byte order, so a space is
/// "Ġ" (U+0120) and a newline "Ċ" (U+010A). llama.cpp maps input bytes through the same table.
/// </summary>
internal static class Gpt2ByteCharacters
{
    private static readonly string[] Table = Build();

    public static string Of(byte value) => Table[value];

    private static string[] Build()
    {
        var table = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = ((char)(printable ? b : next++)).ToString();
        }
        return table;
    }
}
