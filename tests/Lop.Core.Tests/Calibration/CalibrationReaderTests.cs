using System.Text;
using Lop.Core.Calibration;
using Lop.Core.Errors;

namespace Lop.Core.Tests.Calibration;

public class CalibrationReaderTests
{
    private static int[] Bytes(string s) => ByteTokenizer.Instance.Encode(s);

    [Fact]
    public void Text_file_documents_are_separated_by_blank_lines()
    {
        using var dir = new TempDir();
        var path = dir.Write("data.txt", "first line\nsecond line\n\n  \nsecond doc\n\n\n");

        var docs = CalibrationReader.Read(path, ByteTokenizer.Instance);

        Assert.Equal(2, docs.Count);
        Assert.Equal(Bytes("first line\nsecond line"), docs[0]);
        Assert.Equal(Bytes("second doc"), docs[1]);
    }

    [Fact]
    public void Text_file_ignores_bom_and_crlf()
    {
        using var dir = new TempDir();
        var path = dir.WriteBytes("data.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("Grüße\r\nwelt\r\n")]);

        var docs = CalibrationReader.Read(path, ByteTokenizer.Instance);

        Assert.Equal(Bytes("Grüße\nwelt"), Assert.Single(docs));
    }

    [Fact]
    public void Text_file_with_one_huge_document_reads_whole()
    {
        using var dir = new TempDir();
        var line = new string('x', 100_000);
        var path = dir.Write("big.txt", string.Join('\n', Enumerable.Repeat(line, 5)));

        var doc = Assert.Single(CalibrationReader.Read(path, ByteTokenizer.Instance));

        Assert.Equal(5 * 100_000 + 4, doc.Length);
    }

    [Fact]
    public void Jsonl_text_lines_are_tokenized_and_empty_lines_skipped()
    {
        using var dir = new TempDir();
        var path = dir.Write("data.jsonl", "{\"text\": \"héllo\"}\n\n   \n{\"text\": \"world\", \"meta\": 1}\n{\"text\": \"\"}\n");

        var docs = CalibrationReader.Read(path, ByteTokenizer.Instance);

        Assert.Equal([Bytes("héllo"), Bytes("world")], docs);
    }

    [Fact]
    public void Pre_tokenized_jsonl_needs_no_tokenizer()
    {
        using var dir = new TempDir();
        var path = dir.Write("ids.jsonl", "{\"input_ids\": [1, 2, 3]}\n{\"ids\": [40000, 5]}\n");

        var docs = CalibrationReader.Read(path, tokenizer: null);

        Assert.Equal([[1, 2, 3], [40000, 5]], docs);
    }

    [Fact]
    public void Unknown_extension_is_sniffed_from_content()
    {
        using var dir = new TempDir();
        var jsonl = dir.Write("data.calib", "\n{\"input_ids\": [7]}\n");
        var text = dir.Write("notes.data", "plain words\n");

        Assert.Equal([[7]], CalibrationReader.Read(jsonl, null));
        Assert.Equal([Bytes("plain words")], CalibrationReader.Read(text, ByteTokenizer.Instance));
    }

    [Fact]
    public void Missing_file_is_LOP3001()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "nope.jsonl");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, null));

        Assert.Equal(ErrorCodes.CalibrationMissing, ex.Code);
        Assert.Equal(path, ex.File);
    }

    [Fact]
    public void Invalid_json_line_is_LOP3002_with_line_and_column()
    {
        using var dir = new TempDir();
        var path = dir.Write("data.jsonl", "{\"ids\": [1]}\n\n{\"ids\": [1,, 2]}\n");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, null));

        Assert.Equal(ErrorCodes.CalibrationLineInvalid, ex.Code);
        Assert.Equal(path, ex.File);
        Assert.Equal(3, ex.Line);
        Assert.NotNull(ex.Column);
        Assert.StartsWith($"{path}(3,", ex.Render());
    }

    [Theory]
    [InlineData("{\"content\": \"x\"}")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"text\": 5}")]
    [InlineData("{\"input_ids\": [1, \"2\"]}")]
    [InlineData("{\"input_ids\": [1.5]}")]
    [InlineData("{\"ids\": 3}")]
    public void Line_without_text_or_integer_ids_is_LOP3002_with_line(string badLine)
    {
        using var dir = new TempDir();
        var path = dir.Write("data.jsonl", "{\"ids\": [1]}\n" + badLine + "\n");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, ByteTokenizer.Instance));

        Assert.Equal(ErrorCodes.CalibrationLineInvalid, ex.Code);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Text_jsonl_without_tokenizer_is_LOP3005_with_line()
    {
        using var dir = new TempDir();
        var path = dir.Write("data.jsonl", "{\"ids\": [1]}\n{\"text\": \"needs a tokenizer\"}\n");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, null));

        Assert.Equal(ErrorCodes.TokenizerUnavailable, ex.Code);
        Assert.Equal(2, ex.Line);
        Assert.Contains("input_ids", ex.Message);
    }

    [Fact]
    public void Text_file_without_tokenizer_is_LOP3005()
    {
        using var dir = new TempDir();
        var path = dir.Write("data.txt", "\nsome text\n");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, null));

        Assert.Equal(ErrorCodes.TokenizerUnavailable, ex.Code);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Token_id_at_or_above_vocab_size_is_LOP3003_with_line()
    {
        using var dir = new TempDir();
        var path = dir.Write("ids.jsonl", "{\"ids\": [0, 99]}\n{\"input_ids\": [3, 100]}\n");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, null, vocabSize: 100));

        Assert.Equal(ErrorCodes.TokenOutOfRange, ex.Code);
        Assert.Equal(2, ex.Line);
        Assert.Contains("100", ex.Message);
    }

    [Fact]
    public void Token_id_beyond_the_tokenizer_vocab_is_LOP3003()
    {
        using var dir = new TempDir();
        var path = dir.Write("ids.jsonl", "{\"ids\": [256]}\n");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, ByteTokenizer.Instance));

        Assert.Equal(ErrorCodes.TokenOutOfRange, ex.Code);
        Assert.Equal(1, ex.Line);
    }

    [Fact]
    public void Negative_token_id_is_LOP3003_even_without_a_vocab()
    {
        using var dir = new TempDir();
        var path = dir.Write("ids.jsonl", "\n\n{\"ids\": [-1]}\n");

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, null));

        Assert.Equal(ErrorCodes.TokenOutOfRange, ex.Code);
        Assert.Equal(3, ex.Line);
    }

    [Theory]
    [InlineData("data.txt")]
    [InlineData("data.jsonl")]
    public void Invalid_utf8_is_LOP3002_naming_the_line(string name)
    {
        using var dir = new TempDir();
        byte[] content = [.. Encoding.UTF8.GetBytes("{\"text\": \"ok\"}\n{\"text\": \"b"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("d\"}\n")];
        var path = dir.WriteBytes(name, content);

        var ex = Assert.Throws<LopException>(() => CalibrationReader.Read(path, ByteTokenizer.Instance));

        Assert.Equal(ErrorCodes.CalibrationLineInvalid, ex.Code);
        Assert.Equal(2, ex.Line);
        Assert.Equal(12, ex.Column);
        Assert.Contains("UTF-8", ex.Message);
    }
}
