using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lop.Core.Artifacts;
using Lop.Core.Predictor;
using Lop.Core.Progress;
using Lop.Core.Search;

namespace Lop.Core.Jobs;

/// <summary>What a predictor is trained from; every field is part of its cache key.</summary>
public sealed record PredictorTraining(
    IReadOnlyList<double> Budgets,
    SearchSettings Search,
    PredictorSettings Predictor,
    int TopConfigurations = PredictorJob.DefaultTopConfigurations,
    int RewardSequences = SearchJob.DefaultRewardSequences);

public sealed record TrainRequest(string ModelFolder, CalibrationOptions Calibration, PredictorTraining Training, string DType = "f32", string? CacheFolder = null);

public sealed record TrainReport(string Predictor, string Architecture, double[] TrainingBudgets, int Samples, double FinalLoss, bool FromCache, string DatasetVersion, double Seconds);

/// <summary>
/// <c>dotnet lop train</c>: the dataset for the training budgets (searched if missing), then the
/// predictor, trained on the best configurations of each budget and cached.
/// </summary>
public static class PredictorJob
{
    /// <summary>Best configurations per budget used for training (the paper speaks of 200 in all).</summary>
    public const int DefaultTopConfigurations = 32;

    public const string Kind = "predictor";
    private const int Schema = 1;
    private const string PayloadFile = "predictor.safetensors";

    public static TrainReport Run(TrainRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        using var inputs = JobInputs.Open(request.ModelFolder, request.Calibration, request.DType, progress);
        var clock = Stopwatch.StartNew();
        var (predictor, fromCache, datasetVersion, file) = Obtain(inputs, request.Training, request.CacheFolder, progress, cancellation);
        using (predictor)
        {
            var meta = predictor.Metadata;
            return new TrainReport(file, meta.Architecture.ToString().ToLowerInvariant(), meta.TrainingBudgets,
                request.Training.Budgets.Count * request.Training.TopConfigurations, meta.FinalLoss, fromCache, datasetVersion, clock.Elapsed.TotalSeconds);
        }
    }

    /// <summary>The trained predictor from the cache, or trained now (searching what the dataset lacks).</summary>
    internal static (TrainedPredictor Predictor, bool FromCache, string DatasetVersion, string File) Obtain(
        JobInputs inputs, PredictorTraining training, string? cacheFolder, IJobProgress progress, CancellationToken cancellation)
    {
        var store = new ArtifactStore(CacheRoot.Resolve(cacheFolder));
        var fingerprint = inputs.Checkpoint.Fingerprint();
        var key = Key(fingerprint, inputs.Calibration.ContentHash, inputs.ComputeDType, training);
        var file = Path.Combine(store.FolderOf(Kind, key), PayloadFile);
        var entry = store.TryOpen(Kind, key, out var problem);
        if (problem is not null)
        {
            progress.Info("warning: " + problem);
        }
        if (entry is not null)
        {
            var cached = TrainedPredictor.Load(file);
            cached.EnsureCompatible(inputs.Checkpoint.Config.NumLayers, inputs.Checkpoint.Config.IntermediateSizes, fingerprint);
            return (cached, true, cached.Metadata.DatasetVersion ?? "", file);
        }
        var (dataset, _, version, _) = SearchJob.Obtain(inputs, training.Budgets, training.Search, training.RewardSequences, cacheFolder, progress, cancellation);
        var samples = training.Budgets
            .SelectMany(b => dataset.Find(b)!.Top(training.TopConfigurations).Select(r => (b, r.Ratios)))
            .ToList();
        var architecture = training.Predictor.Architecture.ToString().ToLowerInvariant();
        var predictor = PredictorTrainer.Train(samples, inputs.Checkpoint.Config.NumLayers, training.Predictor,
            new PredictorProvenance(inputs.Checkpoint.Config.IntermediateSizes, fingerprint, version),
            new EpochProgress(progress, $"train {architecture}"), cancellation);
        store.Write(Kind, key, $"{Schema}.0.0", new Dictionary<string, string>
        {
            ["model"] = inputs.Checkpoint.Folder,
            ["architecture"] = architecture,
            ["budgets"] = string.Join(",", training.Budgets.Select(b => b.ToString("0.###", CultureInfo.InvariantCulture))),
            ["dataset"] = version,
            ["samples"] = samples.Count.ToString(CultureInfo.InvariantCulture),
        }, folder => predictor.Save(Path.Combine(folder, PayloadFile)));
        progress.Info($"train {architecture}: {samples.Count} configurations, final loss {predictor.Metadata.FinalLoss:G3}");
        return (predictor, false, version, file);
    }

    private static string Key(string fingerprint, string calibrationHash, string dtype, PredictorTraining training)
    {
        var text = string.Join('\n', "lop-predictor", Schema.ToString(CultureInfo.InvariantCulture), fingerprint, calibrationHash, dtype,
            JsonSerializer.Serialize(training.Budgets.Order()), JsonSerializer.Serialize(training.Search), JsonSerializer.Serialize(training.Predictor),
            training.TopConfigurations.ToString(CultureInfo.InvariantCulture), training.RewardSequences.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private sealed class EpochProgress(IJobProgress sink, string stage) : IProgress<(int Epoch, int Epochs, double Loss)>
    {
        public void Report((int Epoch, int Epochs, double Loss) value) => sink.Report(stage, value.Epoch, value.Epochs, $"loss {value.Loss:G3}");
    }
}
