using Lop.Core.Calibration;
using Lop.Core.Progress;
using Lop.Core.Settings;
using Lop.Core.Pipeline;
using Lop.Core.Predictor;
using Lop.Core.Search;

namespace Lop.Core.Tests.Pipeline;

/// <summary>One pipeline per model and calibration: each artifact is computed once, cached, and found again by the next run.</summary>
public sealed class ModelPipelineTests : IDisposable
{
    private static readonly PredictorTraining Training = new([0.3, 0.6], new SearchSettings { Simulations = 6 }, new PredictorSettings { Epochs = 5 },
        TopConfigurations: 3, RewardSequences: 4);

    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly CalibrationOptions _calibration;

    public ModelPipelineTests()
    {
        var config = TinyModels.Config(layers: 3, hidden: 32, intermediate: 48, vocab: 256);
        _model = TestCheckpoints.Save(TinyModels.Random(config), _temp.Sub("model"));
        File.WriteAllText(_temp.Sub("calibration.txt"), string.Concat(Enumerable.Range(0, 50).Select(i => $"Line {i}: the pipeline caches what it computes. ")));
        _calibration = new CalibrationOptions(_temp.Sub("calibration.txt"), SequenceLength: 32);
    }

    [Fact]
    public void A_second_pipeline_on_the_same_cache_finds_every_artifact_and_loads_no_weights()
    {
        double[] trained;
        using (var first = Open(new RecordingProgress()))
        {
            var predictor = first.Predictor(Training, CancellationToken.None);
            Assert.False(predictor.FromCache);
            Assert.False(first.Importance(8, CancellationToken.None).FromCache);
            trained = predictor.Value.Predict(0.45);
        }

        var progress = new RecordingProgress();
        using var second = Open(progress);
        var importance = second.Importance(8, CancellationToken.None);
        var dataset = second.Dataset(Training.Budgets, Training.Search, Training.RewardSequences, CancellationToken.None);
        var again = second.Predictor(Training, CancellationToken.None);

        Assert.True(importance.FromCache);
        Assert.True(dataset.Dataset.FromCache);
        Assert.Empty(dataset.SearchedNow);
        Assert.True(again.FromCache);
        Assert.Equal(trained, again.Value.Predict(0.45));
        Assert.DoesNotContain(progress.Lines, l => l.StartsWith("loading", StringComparison.Ordinal));
    }

    [Fact]
    public void Asking_twice_in_one_pipeline_returns_the_same_artifact_without_computing_it_again()
    {
        var progress = new RecordingProgress();
        using var pipeline = Open(progress);
        var first = pipeline.Importance(8, CancellationToken.None);
        var second = pipeline.Importance(8, CancellationToken.None);
        Assert.Same(first.Value, second.Value);
        Assert.Same(pipeline.Predictor(Training, CancellationToken.None).Value, pipeline.Predictor(Training, CancellationToken.None).Value);
        Assert.Single(progress.Lines, l => l.StartsWith("loading", StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_budget_is_searched_alone_and_added_to_the_dataset_as_its_next_version()
    {
        using var pipeline = Open(new RecordingProgress());
        var first = pipeline.Dataset([0.3], Training.Search, Training.RewardSequences, CancellationToken.None);
        var second = pipeline.Dataset([0.3, 0.5], Training.Search, Training.RewardSequences, CancellationToken.None);

        Assert.Equal("1.0.0", first.Dataset.Version);
        Assert.Equal("1.1.0", second.Dataset.Version);
        Assert.Equal(first.Dataset.Key, second.Dataset.Key);
        Assert.Equal([0.5], second.SearchedNow);
        Assert.Equal(first.Dataset.Value.Find(0.3)!.Best.Ratios, second.Dataset.Value.Find(0.3)!.Best.Ratios);
    }

    [Fact]
    public void A_damaged_cached_artifact_is_reported_and_computed_again_never_used()
    {
        string file;
        using (var pipeline = Open(new RecordingProgress()))
        {
            file = pipeline.Importance(8, CancellationToken.None).File;
        }
        File.WriteAllBytes(file, new byte[16]);

        var progress = new RecordingProgress();
        using var again = Open(progress);
        var importance = again.Importance(8, CancellationToken.None);
        Assert.False(importance.FromCache);
        Assert.Contains(progress.Lines, l => l.StartsWith("warning: cache entry", StringComparison.Ordinal) && l.Contains("corrupt", StringComparison.Ordinal));
        Assert.True(new FileInfo(importance.File).Length > 16);
    }

    [Fact]
    public void The_held_out_split_never_reaches_importance_search_or_predictor_training()
    {
        // A second calibration file that differs from the first only inside the held-out windows, where every
        // byte becomes '~', a token the text never has. The split depends on the window count and seed alone,
        // so both files give the same search windows; anything computed from held-out data would differ.
        // Numbered words, so that every 32-byte window is unique and can be found in the file by its content.
        var calibration = new CalibrationOptions(_temp.Sub("numbered.txt"), SequenceLength: 32);
        File.WriteAllText(calibration.Path, string.Concat(Enumerable.Range(0, 500).Select(i => $"n{i:D4} ")));
        var original = File.ReadAllBytes(calibration.Path);
        var set = CalibrationSet.Load(calibration.Path, ByteTokenizer.Instance, calibration.SequenceLength);
        var length = calibration.SequenceLength;
        var changed = (byte[])original.Clone();
        foreach (var heldOut in set.HeldOut)
        {
            var window = Enumerable.Range(0, original.Length / length)
                .Single(w => original.AsSpan(w * length, length).SequenceEqual(heldOut.Tokens.Select(t => (byte)t).ToArray()));
            changed.AsSpan(window * length, length).Fill((byte)'~');
        }
        var otherPath = _temp.Sub("held-out-changed.txt");
        File.WriteAllBytes(otherPath, changed);
        var other = CalibrationSet.Load(otherPath, ByteTokenizer.Instance, length);
        Assert.Equal(set.Search.Select(s => s.Tokens), other.Search.Select(s => s.Tokens));
        Assert.All(other.HeldOut, s => Assert.All(s.Tokens, t => Assert.Equal(Tilde, t)));
        Assert.DoesNotContain(set.Search.Concat(set.HeldOut), s => s.Tokens.Contains(Tilde));

        var (scores, records, predicted) = Run(calibration, _temp.Sub("cache-a"));
        var (otherScores, otherRecords, otherPredicted) = Run(calibration with { Path = otherPath }, _temp.Sub("cache-b"));

        Assert.Equal(scores, otherScores);
        Assert.Equal(records, otherRecords);
        Assert.Equal(predicted, otherPredicted);

        // The comparison can fail: one changed search window changes the importance scores.
        var searchChanged = (byte[])original.Clone();
        var first = Enumerable.Range(0, original.Length / length)
            .First(w => original.AsSpan(w * length, length).SequenceEqual(set.Search[0].Tokens.Select(t => (byte)t).ToArray()));
        searchChanged.AsSpan(first * length, length).Fill((byte)'~');
        File.WriteAllBytes(_temp.Sub("search-changed.txt"), searchChanged);
        using var pipeline = ModelPipeline.Open(_model, calibration with { Path = _temp.Sub("search-changed.txt") }, "f32", _temp.Sub("cache-c"), new RecordingProgress());
        Assert.NotEqual(scores, Describe(pipeline.Importance(8, CancellationToken.None).Value));
    }

    private const int Tilde = '~';

    /// <summary>Importance scores, every search record and the trained predictor's outputs, as exact text.</summary>
    private (string Scores, string Records, string Predicted) Run(CalibrationOptions calibration, string cache)
    {
        using var pipeline = ModelPipeline.Open(_model, calibration, "f32", cache, new RecordingProgress());
        var scores = Describe(pipeline.Importance(8, CancellationToken.None).Value);
        var dataset = pipeline.Dataset(Training.Budgets, Training.Search, Training.RewardSequences, CancellationToken.None).Dataset.Value;
        var records = string.Join('\n', dataset.Budgets.SelectMany(b => b.Records).Select(r => $"{r.Budget:R} {string.Join(',', r.Kept)} {r.Reward:R}"));
        var predictor = pipeline.Predictor(Training, CancellationToken.None).Value;
        var predicted = string.Join(' ', new[] { 0.3, 0.45, 0.6 }.SelectMany(predictor.Predict).Select(r => r.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        return (scores, records, predicted);
    }

    private static string Describe(Lop.Core.Importance.ImportanceScores scores) => string.Join('\n',
        scores.Methods.Order().SelectMany(m => Enumerable.Range(0, scores.Layers).Select(l => $"{m} {l}: " + string.Join(',', scores.For(m, l).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))));


    [Fact]
    public void More_reward_sequences_than_the_search_split_holds_is_a_coded_warning()
    {
        var progress = new RecordingProgress();
        using var pipeline = Open(progress);
        var available = pipeline.Inputs.Calibration.Search.Length;
        pipeline.Dataset([0.3], Training.Search with { Simulations = 2 }, available + 5, CancellationToken.None);
        var warning = Assert.Single(progress.Warnings);
        Assert.Equal(Lop.Core.Errors.ErrorCodes.RewardSequencesCut, warning.Code);
        Assert.StartsWith($"search.rewardSequences is {available + 5} but the search split holds {available} sequences", warning.Message);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_budget_the_ratio_bounds_cannot_meet_fails_before_any_budget_is_searched()
    {
        var progress = new RecordingProgress();
        using var pipeline = Open(progress);

        // With every layer pruned at most 90%, 0.95 cannot be met; 0.3 comes first and must not be searched for nothing.
        var error = Assert.Throws<Lop.Core.Errors.LopException>(() => pipeline.Dataset([0.3, 0.95], Training.Search, Training.RewardSequences, CancellationToken.None));

        Assert.Equal("LOP4001", error.Code);
        Assert.Contains("a budget of 0.95", error.Message);
        Assert.DoesNotContain(progress.Lines, l => l.StartsWith("search", StringComparison.Ordinal));
        Assert.Null(pipeline.CachedDataset(Training.Search, Training.RewardSequences));
    }

    [Fact]
    public void A_search_stopped_after_its_first_budget_keeps_that_budget_in_the_cache()
    {
        using var stop = new CancellationTokenSource();
        var progress = new RecordingProgress(line =>
        {
            if (line.StartsWith("search 0.3:", StringComparison.Ordinal))
            {
                stop.Cancel();
            }
        });
        using (var pipeline = Open(progress))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Dataset([0.3, 0.6], Training.Search, Training.RewardSequences, stop.Token));
        }

        using var again = Open(new RecordingProgress());
        var kept = again.CachedDataset(Training.Search, Training.RewardSequences);
        Assert.NotNull(kept);
        Assert.Equal("1.0.0", kept.Version);
        Assert.Equal([0.3], kept.Value.Budgets.Select(b => b.Budget));
        var resumed = again.Dataset([0.3, 0.6], Training.Search, Training.RewardSequences, CancellationToken.None);
        Assert.Equal([0.6], resumed.SearchedNow);
        Assert.Equal("1.1.0", resumed.Dataset.Version);
    }

    private ModelPipeline Open(IJobProgress progress) => ModelPipeline.Open(_model, _calibration, "f32", _temp.Sub("cache"), progress);

    private sealed class RecordingProgress(Action<string>? onInfo = null) : IJobProgress
    {
        public List<string> Lines { get; } = [];

        public void Report(string stage, long done, long total, string? detail = null)
        {
        }

        public void Info(string message)
        {
            Lines.Add(message);
            onInfo?.Invoke(message);
        }

        public List<(string Code, string Message)> Warnings { get; } = [];

        public void Warn(string code, string message) => Warnings.Add((code, message));
    }
}
