using Lop.Core.Errors;
using Lop.Core.Jobs;
using Lop.Core.Progress;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Calibration;

namespace Lop.Core.Tests.Jobs;

/// <summary>A checkpoint whose weights overflow is bad input: every command fails with LOP4006 naming the layer, and nothing is cached.</summary>
public sealed class NonFiniteInputTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly CalibrationOptions _calibration;

    public NonFiniteInputTests()
    {
        var config = TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, vocab: 256);
        _model = TestCheckpoints.Save(TinyModels.OverflowingDownProj(TinyModels.Random(config), layer: 1), _temp.Sub("model"));
        File.WriteAllText(_temp.Sub("calibration.txt"), string.Concat(Enumerable.Range(0, 40).Select(i => $"Line {i}: the weights overflow here. ")));
        _calibration = new CalibrationOptions(_temp.Sub("calibration.txt"), SequenceLength: 32);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Perplexity_fails_naming_the_layer_instead_of_reporting_nan()
    {
        var error = Assert.Throws<LopException>(() => PerplexityJob.Run(new PerplexityRequest(_model, _calibration), SilentProgress.Instance));
        AssertNamesLayerOne(error);
    }

    [Fact]
    public void Importance_fails_and_caches_nothing()
    {
        var cache = _temp.Sub("cache");
        var error = Assert.Throws<LopException>(() => ImportanceJob.Run(new ImportanceRequest(_model, _calibration, CacheFolder: cache), SilentProgress.Instance));
        AssertNamesLayerOne(error);
        AssertNothingComputedIsCached(cache);
    }

    [Fact]
    public void Search_fails_instead_of_searching_on_nan_rewards()
    {
        var cache = _temp.Sub("cache");
        var error = Assert.Throws<LopException>(() => SearchJob.Run(
            new SearchRequest(_model, _calibration, [0.3], new SearchSettings { Simulations = 4 }, RewardSequences: 2, CacheFolder: cache), SilentProgress.Instance));
        AssertNamesLayerOne(error);
        AssertNothingComputedIsCached(cache);
    }

    /// <summary>
    /// No artifact entry of any kind. The fingerprint's digest of the weight file may be there: it records
    /// the file's bytes, not anything computed from the overflowing activations.
    /// </summary>
    private static void AssertNothingComputedIsCached(string cache)
    {
        var files = Directory.Exists(cache) ? Directory.GetFiles(cache, "*", SearchOption.AllDirectories) : [];
        Assert.DoesNotContain(files, f => Path.GetRelativePath(cache, f).Split(Path.DirectorySeparatorChar)[0] != Lop.Core.Artifacts.FileDigestCache.FolderName);
    }

    private static void AssertNamesLayerOne(LopException error)
    {
        Assert.Equal(ErrorCodes.NonFiniteValues, error.Code);
        Assert.Contains("decoder layer 1's FFN output", error.Message);
        Assert.Contains("f32 or bf16", error.Message);
    }
}
