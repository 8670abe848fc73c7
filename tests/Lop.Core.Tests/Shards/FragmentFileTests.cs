using System.Security.Cryptography;
using System.Text;
using Lop.Core.Errors;
using Lop.Core.Shards;
using static Lop.Core.Tests.Shards.ShardFragments;

namespace Lop.Core.Tests.Shards;

public sealed class FragmentFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Written() => FragmentFile.Write(_temp.Sub("out"), Fragment(0.3, 0, 1234, Records(0.3, [5, 5, 5], [6, 4, 5])));

    [Fact]
    public void A_fragment_is_named_by_the_SHA256_of_its_bytes_and_reads_back_equal()
    {
        var fragment = Fragment(0.3, 0, 1234, Records(0.3, [5, 5, 5], [6, 4, 5]));
        var path = FragmentFile.Write(_temp.Sub("out"), fragment);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) + ".fragment.json", Path.GetFileName(path));
        var read = FragmentFile.Read(path);
        Assert.Equal(FragmentFile.Canonical(fragment), FragmentFile.Canonical(read));
        Assert.Equal(fragment.Records.Select(r => r.Reward), read.Records.Select(r => r.Reward));
        // Written again, the same content is the same file, and nothing else is left in the folder.
        Assert.Equal(path, FragmentFile.Write(_temp.Sub("out"), fragment));
        Assert.Single(Directory.GetFiles(_temp.Sub("out")));
    }

    [Fact]
    public void A_fragment_changed_after_it_was_written_is_refused_as_tampered_naming_the_file()
    {
        var path = Written();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"reward\":-1.", "\"reward\":-0."));

        var error = Assert.Throws<LopException>(() => FragmentFile.Read(path));
        Assert.Equal(ErrorCodes.FragmentTampered, error.Code);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void A_renamed_fragment_is_refused_as_tampered()
    {
        var path = Written();
        var renamed = Path.Combine(Path.GetDirectoryName(path)!, new string('0', 64) + FragmentFile.Suffix);
        File.Move(path, renamed);

        Assert.Equal(ErrorCodes.FragmentTampered, Assert.Throws<LopException>(() => FragmentFile.Read(renamed)).Code);
    }

    [Fact]
    public void An_edited_fragment_saved_under_its_new_hash_is_still_refused_when_its_key_no_longer_fits()
    {
        var path = Written();
        var edited = File.ReadAllText(path).Replace("\"rewardSequences\":4", "\"rewardSequences\":8");
        var bytes = Encoding.UTF8.GetBytes(edited);
        var renamed = Path.Combine(_temp.Path, FragmentFile.NameOf(bytes));
        File.WriteAllBytes(renamed, bytes);

        var error = Assert.Throws<LopException>(() => FragmentFile.Read(renamed));
        Assert.Equal(ErrorCodes.FragmentUnreadable, error.Code);
        Assert.Contains("edited", error.Message);
    }

    [Theory]
    [InlineData("{\"format\": \"lop-search-fragment/1\"}")]
    [InlineData("not json")]
    [InlineData("{\"format\":\"lop-search-fragment/9\"}")]
    public void A_file_that_is_no_fragment_of_this_format_is_refused_as_unreadable(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var path = Path.Combine(_temp.Path, FragmentFile.NameOf(bytes));
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<LopException>(() => FragmentFile.Read(path));
        Assert.Equal(ErrorCodes.FragmentUnreadable, error.Code);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void Pretty_printed_json_is_not_canonical_and_is_refused()
    {
        var path = Written();
        var pretty = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        var bytes = Encoding.UTF8.GetBytes(pretty);
        var renamed = Path.Combine(_temp.Path, FragmentFile.NameOf(bytes));
        File.WriteAllBytes(renamed, bytes);

        var error = Assert.Throws<LopException>(() => FragmentFile.Read(renamed));
        Assert.Equal(ErrorCodes.FragmentUnreadable, error.Code);
        Assert.Contains("canonical", error.Message);
    }
}
