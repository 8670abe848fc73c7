using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Progress;
using Lop.Core.Search;
using Lop.Core.Shards;
using static Lop.Core.Tests.Shards.ShardFragments;

namespace Lop.Core.Tests.Shards;

public sealed class FragmentMergeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Folder(string name, params SearchFragment[] fragments)
    {
        var folder = _temp.Sub(name);
        Directory.CreateDirectory(folder);
        foreach (var fragment in fragments)
        {
            FragmentFile.Write(folder, fragment);
        }
        return folder;
    }

    private MergeReport Merge(string cache, string? model, params string[] folders) =>
        FragmentMerge.Run(folders, new ArtifactStore(_temp.Sub(cache)), model, null, SilentProgress.Instance);

    private static readonly SearchFragment LowTree0 = Fragment(0.3, 0, 1234, Records(0.3, [5, 5, 5], [6, 4, 5], [4, 6, 5]), seconds: 1.1);
    private static readonly SearchFragment LowTree1 = Fragment(0.3, 1, 99, Records(0.3, [5, 5, 5], [4, 6, 5], [7, 4, 4]), seconds: 2.2);
    private static readonly SearchFragment HighTree0 = Fragment(0.6, 0, 1234, Records(0.6, [3, 3, 2], [2, 3, 3]), seconds: 3.3);
    private static readonly SearchFragment HighTree1 = Fragment(0.6, 1, 99, Records(0.6, [3, 3, 2], [4, 2, 2]), seconds: 4.4);

    [Fact]
    public void Merging_gives_the_same_dataset_bytes_whatever_the_order_of_folders_and_batches()
    {
        var a = Folder("a", LowTree0, HighTree1);
        var b = Folder("b", HighTree0);
        var c = Folder("c", LowTree1);

        var all = Merge("one", null, a, b, c);
        Merge("two", null, c, b);
        var later = Merge("two", null, a);

        Assert.Equal("1.0.0", all.DatasetVersion);
        Assert.Equal("1.1.0", later.DatasetVersion);
        Assert.Equal(File.ReadAllBytes(all.File), File.ReadAllBytes(later.File));
        Assert.Equal([(0.3, 2, 4), (0.6, 2, 3)], all.Budgets.Select(x => (x.Budget, x.Trees, x.Records)));
    }

    [Fact]
    public void Merging_the_same_fragments_twice_changes_nothing_and_writes_no_new_version()
    {
        var a = Folder("a", LowTree0, LowTree1);
        var first = Merge("cache", null, a);
        var bytes = File.ReadAllBytes(first.File);
        // The same fragment copied into a second folder (as CI artifact downloads do) is still one fragment.
        var copy = Folder("copy", LowTree1);

        var second = Merge("cache", null, copy, a);

        Assert.True(first.Changed);
        Assert.Equal(2, first.TreesAdded);
        Assert.False(second.Changed);
        Assert.Equal(0, second.TreesAdded);
        Assert.Equal(first.DatasetVersion, second.DatasetVersion);
        Assert.Equal(bytes, File.ReadAllBytes(first.File));
    }

    [Fact]
    public void A_merged_dataset_is_the_one_the_pipeline_finds_for_the_same_inputs()
    {
        var report = Merge("cache", null, Folder("a", LowTree0, LowTree1, HighTree0, HighTree1));
        var stage = new Lop.Core.Pipeline.DatasetStage();
        var loaded = stage.TryLoad(new ArtifactStore(_temp.Sub("cache")), report.DatasetKey, out var problem);

        Assert.Null(problem);
        var dataset = loaded!.Value.Value;
        Assert.Equal(FragmentFile.KeyOf(LowTree0), report.DatasetKey);
        Assert.Equal(2, dataset.Budgets.Count);
        Assert.True(DatasetUnion.Holds(dataset, 0.3, 99));
        Assert.Equal(1.1 + 2.2, dataset.Find(0.3)!.Seconds);
        Assert.Equal(LowTree0.Settings, dataset.Settings);
    }

    [Fact]
    public void A_fragment_of_another_setting_is_refused_by_name_and_nothing_is_written()
    {
        var other = Fragment(0.3, 0, 1234, Records(0.3, [5, 5, 5]), settings: new SearchSettings { SeedsPerBudget = 2, Simulations = 50 });
        var folder = Folder("a", LowTree0, LowTree1, HighTree0);
        var strayPath = FragmentFile.Write(_temp.Sub("b"), other);

        var error = Assert.Throws<LopException>(() => Merge("cache", null, folder, _temp.Sub("b")));

        Assert.Equal(ErrorCodes.FragmentMismatch, error.Code);
        Assert.Equal(strayPath, error.File);
        Assert.Contains("search settings", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_temp.Sub("cache"), "dataset")));
    }

    [Fact]
    public void A_fragment_of_another_calibration_is_refused_naming_what_differs()
    {
        var other = Fragment(0.3, 0, 1234, Records(0.3, [5, 5, 5])) with { CalibrationHash = "00000000000000000000000000000000" };
        other = other with { DatasetKey = FragmentFile.KeyOf(other) };
        var strayPath = FragmentFile.Write(_temp.Sub("b"), other);

        var error = Assert.Throws<LopException>(() => Merge("cache", null, Folder("a", LowTree0, LowTree1), _temp.Sub("b")));

        Assert.Equal(ErrorCodes.FragmentMismatch, error.Code);
        Assert.Equal(strayPath, error.File);
        Assert.Contains("calibration 000000000000", error.Message);
    }

    [Fact]
    public void A_fragment_of_another_model_than_the_named_one_is_refused()
    {
        var folder = Folder("a", LowTree0);

        var error = Assert.Throws<LopException>(() => Merge("cache", "ffffffffffffffffffffffffffffffff", folder));

        Assert.Equal(ErrorCodes.FragmentModelMismatch, error.Code);
        Assert.EndsWith(FragmentFile.Suffix, error.File);
        Assert.Equal("1.0.0", Merge("cache", Model, folder).DatasetVersion);
    }

    [Fact]
    public void Fragments_of_different_engine_versions_are_refused()
    {
        var newer = Fragment(0.6, 0, 1234, Records(0.6, [3, 3, 2]), engine: "2.0.0");
        var strayPath = FragmentFile.Write(_temp.Sub("b"), newer);

        var error = Assert.Throws<LopException>(() => Merge("cache", null, Folder("a", LowTree0, LowTree1), _temp.Sub("b")));

        Assert.Equal(ErrorCodes.FragmentEngineMismatch, error.Code);
        Assert.Equal(strayPath, error.File);
    }

    [Fact]
    public void A_missing_folder_or_folders_without_fragments_are_refused()
    {
        Assert.Equal(ErrorCodes.FragmentsMissing, Assert.Throws<LopException>(() => Merge("cache", null, _temp.Sub("nowhere"))).Code);
        Assert.Equal(ErrorCodes.FragmentsMissing, Assert.Throws<LopException>(() => Merge("cache", null, Folder("empty"))).Code);
    }

    [Fact]
    public void A_tampered_fragment_stops_the_merge_before_anything_is_written()
    {
        var folder = Folder("a", LowTree0, LowTree1);
        var victim = Directory.GetFiles(folder).Order().First();
        File.AppendAllText(victim, " ");

        var error = Assert.Throws<LopException>(() => Merge("cache", null, folder));

        Assert.Equal(ErrorCodes.FragmentTampered, error.Code);
        Assert.Equal(victim, error.File);
        Assert.False(Directory.Exists(Path.Combine(_temp.Sub("cache"), "dataset")));
    }
}
