using Lop.Core.Calibration;
using Lop.Core.Errors;

namespace Lop.Core.Tests.Calibration;

public class CalibrationSetTests
{
    /// <summary>Documents whose concatenation is 0, 1, 2, ... so every window is identified by its first token.</summary>
    private static int[][] Counting(params int[] lengths)
    {
        var next = 0;
        return [.. lengths.Select(n => Enumerable.Range(next, n).Select(_ => next++).ToArray())];
    }

    [Fact]
    public void Windows_have_exact_length_are_contiguous_and_drop_the_tail()
    {
        var set = CalibrationSet.Create(Counting(30, 25, 48), sequenceLength: 10);

        Assert.Equal(103, set.TokenCount);
        var all = set.Search.Concat(set.HeldOut).ToList();
        Assert.Equal(10, all.Count);
        Assert.All(all, w => Assert.Equal(10, w.Length));
        Assert.All(all, w => Assert.Equal(Enumerable.Range(w.Tokens[0], 10), w.Tokens));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 10), all.Select(w => w.Tokens[0]).Order());
    }

    [Fact]
    public void Held_out_and_search_parts_are_disjoint_and_sized_by_the_fraction()
    {
        var set = CalibrationSet.Create(Counting(400), sequenceLength: 10, heldOutFraction: 0.25);

        Assert.Equal(10, set.HeldOut.Length);
        Assert.Equal(30, set.Search.Length);
        Assert.Empty(set.Search.Select(w => w.Tokens[0]).Intersect(set.HeldOut.Select(w => w.Tokens[0])));
    }

    [Fact]
    public void Same_seed_gives_the_same_split_and_another_seed_a_different_one()
    {
        var docs = Counting(1000, 700);
        var a = CalibrationSet.Create(docs, 16, seed: 7);
        var b = CalibrationSet.Create(docs, 16, seed: 7);
        var c = CalibrationSet.Create(docs, 16, seed: 8);

        Assert.Equal(a.HeldOut.Select(w => w.Tokens[0]), b.HeldOut.Select(w => w.Tokens[0]));
        Assert.Equal(a.Search.Select(w => w.Tokens[0]), b.Search.Select(w => w.Tokens[0]));
        Assert.Equal(a.ContentHash, b.ContentHash);
        Assert.NotEqual(a.HeldOut.Select(w => w.Tokens[0]).Order(), c.HeldOut.Select(w => w.Tokens[0]).Order());
        Assert.NotEqual(a.ContentHash, c.ContentHash);
    }

    [Fact]
    public void Split_is_pinned_so_it_cannot_drift_across_runtime_versions()
    {
        var set = CalibrationSet.Create(Counting(80), sequenceLength: 10, heldOutFraction: 0.25, seed: 1234);

        // Cross-checked against an independent Python SplitMix64 + Fisher-Yates (Lemire bounded draws).
        Assert.Equal([6, 0], set.HeldOut.Select(w => w.Tokens[0] / 10));
    }

    [Fact]
    public void Separator_is_placed_between_documents()
    {
        var set = CalibrationSet.Create([[1, 2, 3], [4, 5, 6], [7]], sequenceLength: 3, separatorTokenId: 0);

        Assert.Equal(9, set.TokenCount);
        var windows = set.Search.Concat(set.HeldOut).Select(w => string.Join(',', w.Tokens)).Order();
        Assert.Equal(["0,4,5", "1,2,3", "6,0,7"], windows);
    }

    [Fact]
    public void MaxSequences_caps_the_number_of_windows()
    {
        var set = CalibrationSet.Create(Counting(1000), sequenceLength: 10, maxSequences: 8);

        Assert.Equal(2, set.HeldOut.Length);
        Assert.Equal(6, set.Search.Length);
    }

    [Fact]
    public void Too_few_tokens_is_LOP3004_saying_found_and_needed()
    {
        var ex = Assert.Throws<LopException>(() => CalibrationSet.Create(Counting(15, 4), sequenceLength: 10));

        Assert.Equal(ErrorCodes.CalibrationTooSmall, ex.Code);
        Assert.Contains("19 tokens", ex.Message);
        Assert.Contains("20", ex.Message);
    }

    [Fact]
    public void Too_small_file_names_the_file()
    {
        using var dir = new TempDir();
        var path = dir.Write("tiny.txt", "abc");

        var ex = Assert.Throws<LopException>(() => CalibrationSet.Load(path, ByteTokenizer.Instance, sequenceLength: 8));

        Assert.Equal(ErrorCodes.CalibrationTooSmall, ex.Code);
        Assert.Equal(path, ex.File);
    }

    [Theory]
    [InlineData(0, 0.25)]
    [InlineData(8, 0.0)]
    [InlineData(8, 1.0)]
    [InlineData(8, double.NaN)]
    public void Invalid_settings_are_LOP0002(int sequenceLength, double fraction)
    {
        var ex = Assert.Throws<LopException>(() => CalibrationSet.Create(Counting(100), sequenceLength, fraction));

        Assert.Equal(ErrorCodes.InvalidArgument, ex.Code);
    }

    [Fact]
    public void Load_hash_covers_file_bytes_and_settings_and_is_computable_before_reading()
    {
        using var dir = new TempDir();
        var text = string.Join("\n\n", Enumerable.Range(0, 50).Select(i => $"Document number {i} has some text in it."));
        var path = dir.Write("a.txt", text);
        var other = dir.Write("b.txt", text + " more");

        var set = CalibrationSet.Load(path, ByteTokenizer.Instance, sequenceLength: 32);

        Assert.Matches("^[0-9a-f]{64}$", set.ContentHash);
        Assert.Equal(set.ContentHash, CalibrationSet.ComputeContentHash(path, ByteTokenizer.Instance, 32));
        Assert.NotEqual(set.ContentHash, CalibrationSet.ComputeContentHash(other, ByteTokenizer.Instance, 32));
        Assert.NotEqual(set.ContentHash, CalibrationSet.ComputeContentHash(path, ByteTokenizer.Instance, 16));
        Assert.NotEqual(set.ContentHash, CalibrationSet.ComputeContentHash(path, ByteTokenizer.Instance, 32, heldOutFraction: 0.5));
        Assert.NotEqual(set.ContentHash, CalibrationSet.ComputeContentHash(path, ByteTokenizer.Instance, 32, seed: 1));
        Assert.All(set.Search.Concat(set.HeldOut), w => Assert.Equal(32, w.Length));
    }

    [Fact]
    public void Load_reads_pre_tokenized_jsonl_without_a_tokenizer()
    {
        using var dir = new TempDir();
        var path = dir.Write("ids.jsonl", string.Join('\n', Enumerable.Range(0, 20).Select(i => $"{{\"input_ids\": [{i * 3}, {i * 3 + 1}, {i * 3 + 2}]}}")));

        var set = CalibrationSet.Load(path, null, sequenceLength: 6, vocabSize: 60);

        Assert.Equal(60, set.TokenCount);
        Assert.Equal(10, set.Search.Length + set.HeldOut.Length);
    }
}
