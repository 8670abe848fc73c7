using System.Globalization;
using Lop.Core.Allocation;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Importance;
using Lop.Core.Progress;
using Lop.Core.Settings;
using Lop.Core.Predictor;
using Lop.Core.Search;
using Lop.Core.Calibration;

namespace Lop.Core.Pipeline;

/// <summary>
/// LOP's artifacts for one model and one calibration set, each from the cache or computed (and cached)
/// on first request: importance scores, then the MCTS dataset (which needs them), then a predictor
/// (which needs the dataset). The model's fingerprint and the store are worked out once; each stage
/// asks for what it depends on through this object, so a job asks only for what it needs and never
/// computes anything twice. Values it hands out are owned here and released with it.
/// </summary>
internal sealed class ModelPipeline : IDisposable
{
    private static readonly ImportanceStage ImportanceArtifacts = new();
    private static readonly DatasetStage DatasetArtifacts = new();
    private static readonly PredictorStage PredictorArtifacts = new();

    private readonly ArtifactStore _store;
    private readonly IJobProgress _progress;
    private readonly Dictionary<string, Cached<TrainedPredictor>> _predictors = new(StringComparer.Ordinal);
    private Cached<ImportanceScores>? _importance;

    private ModelPipeline(ModelInputs inputs, ArtifactStore store, IJobProgress progress)
    {
        Inputs = inputs;
        _store = store;
        _progress = progress;
        // The weights' digests are remembered beside the artifacts, so a run with unchanged files reads only headers.
        var digests = new FileDigestCache(store.Root);
        Fingerprint = inputs.Checkpoint.Fingerprint(digests, progress);
        if (digests.FilesHashed > 0)
        {
            progress.Info(string.Create(CultureInfo.InvariantCulture,
                $"fingerprint: digested {digests.FilesHashed} weight file(s), {digests.BytesHashed / 1e6:F1} MB (new or changed since the last run)"));
        }
    }

    public ModelInputs Inputs { get; }

    /// <summary>The checkpoint's content fingerprint: part of every key below.</summary>
    public string Fingerprint { get; }

    public IReadOnlyList<int> Widths => Inputs.Checkpoint.Config.IntermediateSizes;

    public static ModelPipeline Open(string modelFolder, CalibrationOptions calibration, string dtype, string? cacheFolder, IJobProgress progress)
    {
        var inputs = ModelInputs.Open(modelFolder, calibration, dtype, progress);
        try
        {
            return new ModelPipeline(inputs, new ArtifactStore(CacheRoot.Resolve(cacheFolder)), progress);
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    /// <summary>The artifact cache this pipeline reads and writes.</summary>
    public ArtifactStore Store => _store;

    /// <summary>The cached dataset for these settings without searching anything, or null when the cache has none.</summary>
    public Cached<SearchDataset>? CachedDataset(SearchSettings settings, int rewardSequences)
    {
        var key = DatasetIdentity(settings, rewardSequences).Key;
        return TryLoad(DatasetArtifacts, key) is { } hit
            ? new Cached<SearchDataset>(hit.Value, key, hit.Version.ToNormalizedString(), DatasetArtifacts.PayloadPath(_store, key), true)
            : null;
    }

    /// <summary>The cache key of this model's importance scores (computed or not).</summary>
    public string ImportanceKey => ImportanceArtifacts.Key(Fingerprint, Inputs.Calibration.ContentHash, Inputs.ComputeDType);

    /// <summary>The cache key of the predictor these training settings make (trained or not).</summary>
    public string PredictorKey(PredictorTraining training) => PredictorArtifacts.Key(Fingerprint, Inputs.Calibration.ContentHash, Inputs.ComputeDType, training);

    /// <summary>Every neuron's importance (one dense pass over the search split when not cached).</summary>
    public Cached<ImportanceScores> Importance(int batchSize, CancellationToken cancellation)
    {
        if (_importance is { } known)
        {
            return known;
        }
        var key = ImportanceArtifacts.Key(Fingerprint, Inputs.Calibration.ContentHash, Inputs.ComputeDType);
        var file = ImportanceArtifacts.PayloadPath(_store, key);
        if (TryLoad(ImportanceArtifacts, key) is { } hit)
        {
            _progress.Info($"importance: cached ({file})");
            return _importance = new Cached<ImportanceScores>(hit.Value, key, hit.Version.ToNormalizedString(), file, true);
        }
        var scores = ImportanceScorer.Score(Inputs.Model(_progress), Inputs.Calibration.Search, batchSize,
            new StageProgress(_progress, "importance"), cancellation);
        var version = ImportanceArtifacts.FirstVersion;
        ImportanceArtifacts.Save(_store, key, scores, version, new Dictionary<string, string>
        {
            ["model"] = Inputs.Checkpoint.Folder,
            ["modelFingerprint"] = Fingerprint,
            ["calibration"] = Inputs.Calibration.ContentHash,
            ["dtype"] = Inputs.ComputeDType,
            ["tokens"] = scores.CalibrationTokens.ToString(CultureInfo.InvariantCulture),
        });
        return _importance = new Cached<ImportanceScores>(scores, key, version.ToNormalizedString(), file, false);
    }

    /// <summary>What the dataset of these search settings is keyed by, and its key: what a shard's fragments carry and a packaged dataset must match to stand in for a search.</summary>
    public DatasetIdentity DatasetIdentity(SearchSettings settings, int rewardSequences)
    {
        var importance = ImportanceMethod.Activation.ToString().ToLowerInvariant();
        var key = DatasetArtifacts.Key(Fingerprint, Inputs.Calibration.ContentHash, importance, Inputs.ComputeDType, settings, rewardSequences);
        return new DatasetIdentity(key, Fingerprint, Inputs.Calibration.ContentHash, importance, Inputs.ComputeDType, settings, rewardSequences);
    }

    /// <summary>
    /// The dataset holding every requested budget, each with all its trees (<see cref="SearchSettings.SeedsPerBudget"/>):
    /// units the cached entry lacks are searched now and added to it as its next version;
    /// <see cref="SearchedDataset.SearchedNow"/> names their budgets.
    /// </summary>
    public SearchedDataset Dataset(IReadOnlyList<double> budgets, SearchSettings settings, int rewardSequences, CancellationToken cancellation)
    {
        var identity = DatasetIdentity(settings, rewardSequences);
        var key = identity.Key;
        var file = DatasetArtifacts.PayloadPath(_store, key);
        var available = Inputs.Calibration.Search.Length;
        if (rewardSequences > available)
        {
            // The search still runs, on every search sequence; said each time, since a cached dataset was cut the same way.
            _progress.Warn(ErrorCodes.RewardSequencesCut, string.Create(CultureInfo.InvariantCulture,
                $"search.rewardSequences is {rewardSequences} but the search split holds {available} sequences; candidates are scored on all {available}. Add calibration text, raise calibration.maxSequences or lower rewardSequences."));
        }
        var cached = TryLoad(DatasetArtifacts, key);
        var missing = SearchUnit.All(budgets, settings).Where(u => !DatasetUnion.Holds(cached?.Value, u.Budget, u.Seed)).ToList();
        if (missing.Count == 0 && cached is { } hit)
        {
            _progress.Info($"search: dataset {key[..12]} v{hit.Version} already holds budgets {string.Join(", ", budgets)}");
            return new SearchedDataset(new Cached<SearchDataset>(hit.Value, key, hit.Version.ToNormalizedString(), file, true), []);
        }
        EnsureFeasible(budgets, settings);
        var dataset = cached?.Value ?? SearchDataset.Empty(identity);
        var version = cached?.Version;
        foreach (var unit in missing)
        {
            var tree = SearchOne(unit, settings, rewardSequences, cancellation);
            var which = settings.Trees() > 1 ? string.Create(CultureInfo.InvariantCulture, $" tree {unit.Tree} of {settings.Trees()} (seed {unit.Seed})") : "";
            _progress.Info($"search {unit.Budget:0.###}{which}: best perplexity {tree.Records.MaxBy(r => r.Reward)!.Perplexity:F4} after {tree.Tree.Evaluations} evaluations in {tree.Tree.Seconds:F1} s");
            // Saved after every tree, each as the next minor version: a run stopped or failing later keeps what it searched.
            dataset = DatasetUnion.Add(dataset, [(unit.Budget, tree)]);
            version = version is { } previous ? new NuGet.Versioning.NuGetVersion(previous.Major, previous.Minor + 1, 0) : DatasetArtifacts.FirstVersion;
            DatasetArtifacts.Save(_store, key, dataset, version, DatasetStage.Describe(dataset, Inputs.Checkpoint.Folder));
        }
        return new SearchedDataset(new Cached<SearchDataset>(dataset, key, version!.ToNormalizedString(), file, false),
            missing.Select(u => u.Budget).Distinct().ToList());
    }

    /// <summary>LOP4001 for the first budget the ratio bounds cannot meet, before any search starts.</summary>
    public void EnsureFeasible(IEnumerable<double> budgets, SearchSettings settings)
    {
        foreach (var budget in budgets)
        {
            BudgetProjection.EnsureFeasible(Widths, budget, settings.LowerBound, settings.UpperBound);
        }
    }

    /// <summary>One unit of a search (one tree of one budget, with its own seed), as <see cref="Dataset"/> and a search shard run it.</summary>
    public TreeResult SearchOne(SearchUnit unit, SearchSettings settings, int rewardSequences, CancellationToken cancellation)
    {
        var result = Search(unit.Budget, settings with { Seed = unit.Seed }, rewardSequences, cancellation);
        return new TreeResult(new SearchTree(unit.Seed, result.Seconds, result.Evaluations), result.Records);
    }

    /// <summary>The predictor trained on the best configurations of the training budgets (searching what the dataset lacks).</summary>
    /// <summary>
    /// One MCTS search as <see cref="Dataset"/> runs it (activation importance, the first
    /// <paramref name="rewardSequences"/> search sequences), neither read from nor written to the cache:
    /// eval times a search in the same process as the predictions it compares it with.
    /// </summary>
    public SearchResult Search(double budget, SearchSettings settings, int rewardSequences, CancellationToken cancellation)
    {
        var evaluator = Inputs.Evaluator(Importance(settings.BatchSize, cancellation).Value, _progress);
        evaluator.UseMethod(ImportanceMethod.Activation);
        var sequences = Inputs.Calibration.Search.Take(rewardSequences).ToArray();
        return MctsSearch.Run(evaluator.Model, sequences, budget, settings, _progress, cancellation);
    }

    public Cached<TrainedPredictor> Predictor(PredictorTraining training, CancellationToken cancellation)
    {
        var key = PredictorArtifacts.Key(Fingerprint, Inputs.Calibration.ContentHash, Inputs.ComputeDType, training);
        if (_predictors.TryGetValue(key, out var known))
        {
            return known;
        }
        var file = PredictorArtifacts.PayloadPath(_store, key);
        var config = Inputs.Checkpoint.Config;
        if (TryLoad(PredictorArtifacts, key) is { } hit)
        {
            hit.Value.EnsureCompatible(config.NumLayers, config.IntermediateSizes, Fingerprint);
            return _predictors[key] = new Cached<TrainedPredictor>(hit.Value, key, hit.Version.ToNormalizedString(), file, true);
        }
        var dataset = Dataset(training.Budgets, training.Search, training.RewardSequences, cancellation).Dataset;
        var samples = training.Budgets
            .SelectMany(b => dataset.Value.Find(b)!.Top(training.TopConfigurations).Select(r => (b, r.Ratios)))
            .ToList();
        var architecture = training.Predictor.Architecture.ToString().ToLowerInvariant();
        var predictor = PredictorTrainer.Train(samples, config.NumLayers, training.Predictor,
            new PredictorProvenance(config.IntermediateSizes, Fingerprint, dataset.Version),
            new EpochProgress(_progress, $"train {architecture}"), cancellation);
        var version = PredictorArtifacts.FirstVersion;
        PredictorArtifacts.Save(_store, key, predictor, version, new Dictionary<string, string>
        {
            ["model"] = Inputs.Checkpoint.Folder,
            ["architecture"] = architecture,
            ["budgets"] = string.Join(",", training.Budgets.Select(b => b.ToString("0.###", CultureInfo.InvariantCulture))),
            ["dataset"] = dataset.Version,
            ["samples"] = samples.Count.ToString(CultureInfo.InvariantCulture),
        });
        _progress.Info($"train {architecture}: {samples.Count} configurations, final loss {predictor.Metadata.FinalLoss:G3}");
        return _predictors[key] = new Cached<TrainedPredictor>(predictor, key, version.ToNormalizedString(), file, false);
    }

    /// <summary>
    /// LOP's budget-to-ratios map for these training settings: <c>predict</c>, <c>prune --budget</c> and
    /// <c>variants</c> all allocate through it, projected with the search's ratio bounds.
    /// </summary>
    public PredictorAllocator LopAllocator(PredictorTraining training, CancellationToken cancellation) =>
        new(Predictor(training, cancellation).Value);

    public void Dispose()
    {
        foreach (var predictor in _predictors.Values)
        {
            predictor.Value.Dispose();
        }
        Inputs.Dispose();
    }

    private (T Value, NuGet.Versioning.NuGetVersion Version)? TryLoad<T>(ArtifactStage<T> stage, string key)
    {
        var hit = stage.TryLoad(_store, key, out var problem);
        if (problem is not null)
        {
            _progress.Info("warning: " + problem);
        }
        return hit;
    }

    private sealed class EpochProgress(IJobProgress sink, string stage) : IProgress<(int Epoch, int Epochs, double Loss)>
    {
        public void Report((int Epoch, int Epochs, double Loss) value) => sink.Report(stage, value.Epoch, value.Epochs, $"loss {value.Loss:G3}");
    }
}

/// <summary>A search dataset from the pipeline, with the budgets that had to be searched in this run (empty on a full cache hit).</summary>
internal sealed record SearchedDataset(Cached<SearchDataset> Dataset, IReadOnlyList<double> SearchedNow);
