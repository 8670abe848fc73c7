using Lop.Core.Artifacts;

namespace Lop.Core.Tests.Artifacts;

public class ArtifactStoreTests
{
    private static readonly Dictionary<string, string> Inputs = new() { ["model"] = "m", ["calibration"] = "c" };

    private static ArtifactEntry WritePayload(ArtifactStore store, string key, string content, string version = "1.0.0") =>
        store.Write("dataset", key, version, Inputs, folder => File.WriteAllText(Path.Combine(folder, "payload.json"), content));

    [Fact]
    public void A_written_entry_opens_with_its_version_inputs_and_verified_files()
    {
        using var temp = new TempFolder();
        var store = new ArtifactStore(temp.Path);
        WritePayload(store, "abc123", "{\"x\":1}", "1.2.0");

        var entry = store.TryOpen("dataset", "abc123", out var problem);

        Assert.Null(problem);
        Assert.NotNull(entry);
        Assert.Equal(new NuGet.Versioning.NuGetVersion(1, 2, 0), entry!.ParsedVersion);
        Assert.Equal("m", entry.Inputs["model"]);
        Assert.Equal(7, entry.Bytes);
        Assert.Equal("{\"x\":1}", File.ReadAllText(Path.Combine(store.FolderOf("dataset", "abc123"), "payload.json")));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("delete")]
    [InlineData("entry")]
    public void A_damaged_entry_is_reported_removed_and_never_used(string damage)
    {
        using var temp = new TempFolder();
        var store = new ArtifactStore(temp.Path);
        WritePayload(store, "abc123", "{\"x\":12345}");
        var folder = store.FolderOf("dataset", "abc123");
        var payload = Path.Combine(folder, "payload.json");
        switch (damage)
        {
            case "flip": File.WriteAllText(payload, "{\"x\":12346}"); break;
            case "truncate": File.WriteAllText(payload, "{\"x\":1"); break;
            case "delete": File.Delete(payload); break;
            default: File.WriteAllText(Path.Combine(folder, ArtifactStore.EntryFile), "{ not json"); break;
        }

        var entry = store.TryOpen("dataset", "abc123", out var problem);

        Assert.Null(entry);
        Assert.Contains("corrupt", problem);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void Concurrent_writers_of_one_key_leave_one_whole_entry()
    {
        using var temp = new TempFolder();
        var store = new ArtifactStore(temp.Path);
        var content = new string('x', 200_000);

        Parallel.For(0, 8, i => WritePayload(store, "samekey", content));

        Assert.NotNull(store.TryOpen("dataset", "samekey", out var problem));
        Assert.Null(problem);
        Assert.Single(Directory.GetDirectories(Path.Combine(temp.Path, "dataset")));
    }

    [Fact]
    public void A_newer_version_replaces_the_entry_under_the_same_key()
    {
        using var temp = new TempFolder();
        var store = new ArtifactStore(temp.Path);
        WritePayload(store, "k", "one", "1.0.0");
        WritePayload(store, "k", "one and two", "1.1.0");

        Assert.Equal("1.1.0", store.TryOpen("dataset", "k", out _)!.Version);
    }

    [Fact]
    public void List_and_clean_see_every_kind()
    {
        using var temp = new TempFolder();
        var store = new ArtifactStore(temp.Path);
        WritePayload(store, "a", "1234");
        store.Write("importance", "b", "2.0.0", Inputs, f => File.WriteAllText(Path.Combine(f, "s"), "12"));

        Assert.Equal(["dataset", "importance"], store.List().Select(e => e.Entry.Kind));
        Assert.Equal(4, store.Clean("dataset"));
        Assert.Equal(["importance"], store.List().Select(e => e.Entry.Kind));
    }
}
