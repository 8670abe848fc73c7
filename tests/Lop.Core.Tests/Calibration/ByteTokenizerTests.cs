using Lop.Core.Calibration;
using Lop.Core.Errors;

namespace Lop.Core.Tests.Calibration;

public class ByteTokenizerTests
{
    [Fact]
    public void Round_trips_non_ascii_text_through_utf8_bytes()
    {
        var text = "Grüße, 世界! 🚀 naïve";
        var ids = ByteTokenizer.Instance.Encode(text);

        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(text), ids.Length);
        Assert.All(ids, id => Assert.InRange(id, 0, 255));
        Assert.Equal(text, ByteTokenizer.Instance.Decode(ids));
        Assert.Equal(256, ByteTokenizer.Instance.VocabSize);
    }

    [Fact]
    public void Decode_rejects_ids_outside_the_byte_range()
    {
        var ex = Assert.Throws<LopException>(() => ByteTokenizer.Instance.Decode([65, 256]));
        Assert.Equal(ErrorCodes.TokenOutOfRange, ex.Code);
    }

    [Fact]
    public void WriteConfig_marks_the_folder_so_the_loader_picks_the_byte_tokenizer()
    {
        using var dir = new TempDir();
        ByteTokenizer.WriteConfig(dir.Path);

        var json = File.ReadAllText(Path.Combine(dir.Path, "tokenizer_config.json"));
        Assert.Contains("\"tokenizer_class\": \"LopByteTokenizer\"", json);
        Assert.Same(ByteTokenizer.Instance, TokenizerLoader.Load(dir.Path));
    }
}
