using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Importance;
using Lop.Core.Jobs;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Settings;
using Lop.Core.Loading;

namespace Lop.Samples;

public sealed record SampleModelReport
{
    public required string Folder { get; init; }
    public required string ModelFolder { get; init; }
    public required string CalibrationFile { get; init; }
    public required string SettingsHash { get; init; }
    public required SampleModelSettings Settings { get; init; }
    public required long Parameters { get; init; }
    public required long TrainingBytes { get; init; }
    public required long CalibrationBytes { get; init; }
    public required double TrainSeconds { get; init; }
    public required double FinalTrainingLoss { get; init; }
    public required double HeldOutPerplexity { get; init; }
    public required double UnigramPerplexity { get; init; }

    /// <summary>Held-out perplexity when only layer l loses <see cref="SensitivityRatio"/> of its FFN (activation importance).</summary>
    public required double[] LayerSensitivity { get; init; }

    /// <summary>The same with 90% of the layer's FFN removed: where small models show their differences.</summary>
    public required double[] LayerSensitivityAt90 { get; init; }

    public required double SensitivityRatio { get; init; }
    public bool FromCache { get; init; }
}

/// <summary>
/// <c>dotnet lop sample-model</c>: trains the built-in sample on the SDK's own documentation text,
/// writes it with its calibration text, and measures whether it is a fair test bed for layer-wise
/// allocation (perplexity against a unigram baseline, each layer's sensitivity). Reused when the
/// folder already holds a sample made with the same settings and engine.
/// </summary>
public static class SampleModelJob
{
    public const string ReportFile = SampleFolder.ReportFile;
    public const string CalibrationFileName = "calibration.txt";
    private const double SensitivityRatio = 0.5;

    /// <summary>Bump when what the report measures changes, so older samples are rebuilt rather than reused.</summary>
    private const int ReportSchema = 3;

    public static SampleModelReport Run(string folder, SampleModelSettings settings, bool force, IJobProgress progress, CancellationToken cancellation = default)
    {
        var settingsHash = SampleFolder.SettingsHash(settings, ReportSchema.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // A reused sample reports where it is now: the folder may have been moved or copied since it was built.
        var here = Path.GetFullPath(folder);
        return SampleFolder.Produce<SampleModelReport>(folder, settingsHash, force, r => r.SettingsHash,
            r => r with { FromCache = true, Folder = here, ModelFolder = Path.Combine(here, "model"), CalibrationFile = Path.Combine(here, CalibrationFileName) },
            (work, final) => Build(work, final, settings, settingsHash, progress, cancellation), progress);
    }

    private static SampleModelReport Build(string work, string final, SampleModelSettings settings, string settingsHash, IJobProgress progress, CancellationToken cancellation)
    {
        Native.TorchRuntime.EnsureLoaded();
        var corpus = SdkDocCorpus.Load();
        var training = Encoding.UTF8.GetBytes(string.Join("\n\n", corpus.TrainingDocuments));
        var calibrationText = TakeDocuments(corpus.HeldOutDocuments, settings.CalibrationBytes);
        progress.Info($"sample: {training.Length:N0} bytes of training text from {corpus.TrainingFiles.Count} SDK doc files; calibration from {corpus.HeldOutFiles.Count} others");

        var config = Config(settings);
        var clock = Stopwatch.StartNew();
        double lastLoss = double.NaN;
        var model = SampleTrainer.Train(config, settings, training,
            new StepProgress(progress, loss => lastLoss = loss), cancellation);
        var trainSeconds = clock.Elapsed.TotalSeconds;

        var modelFolder = Path.Combine(work, "model");
        CheckpointSaver.Save(model, modelFolder);
        ByteTokenizer.WriteConfig(modelFolder);
        var calibrationPath = Path.Combine(work, CalibrationFileName);
        File.WriteAllText(calibrationPath, calibrationText);

        var calibration = CalibrationSet.Load(calibrationPath, new ByteTokenizer(), settings.Context, CalibrationOptions.DefaultHeldOutFraction, CalibrationOptions.DefaultSeed);
        var heldOut = LogLikelihood.Evaluate(model, calibration.HeldOut, 16, cancellation: cancellation).Perplexity;
        var unigram = UnigramBaseline.Perplexity(training, calibration.HeldOut.Select(s => s.Tokens).ToArray(), config.VocabSize);
        progress.Info($"sample: held-out perplexity {heldOut:F3} (unigram baseline {unigram:F3})");

        var scores = ImportanceScorer.Score(model, calibration.Search, 16, cancellation: cancellation);
        ImportanceOrder.Apply(model, scores, ImportanceMethod.Activation);
        var sensitivity = LayerSensitivity.Measure(model, calibration.HeldOut, SensitivityRatio, 16,
            l => progress.Report("layer sensitivity 50%", l + 1, config.NumLayers), cancellation);
        var sensitivityAt90 = LayerSensitivity.Measure(model, calibration.HeldOut, 0.9, 16,
            l => progress.Report("layer sensitivity 90%", l + 1, config.NumLayers), cancellation);

        var report = new SampleModelReport
        {
            Folder = final,
            ModelFolder = Path.Combine(final, "model"),
            CalibrationFile = Path.Combine(final, CalibrationFileName),
            SettingsHash = settingsHash,
            Settings = settings,
            Parameters = model.parameters().Sum(p => p.numel()),
            TrainingBytes = training.Length,
            CalibrationBytes = Encoding.UTF8.GetByteCount(calibrationText),
            TrainSeconds = trainSeconds,
            FinalTrainingLoss = lastLoss,
            HeldOutPerplexity = heldOut,
            UnigramPerplexity = unigram,
            LayerSensitivity = sensitivity,
            LayerSensitivityAt90 = sensitivityAt90,
            SensitivityRatio = SensitivityRatio,
        };
        return report;
    }

    internal static ModelConfig Config(SampleModelSettings settings) => new()
    {
        Architecture = "LlamaForCausalLM",
        HiddenSize = settings.HiddenSize,
        IntermediateSizes = Enumerable.Repeat(settings.IntermediateSize, settings.Layers).ToArray(),
        NumLayers = settings.Layers,
        NumHeads = settings.Heads,
        NumKvHeads = settings.KvHeads,
        HeadDim = settings.HiddenSize / settings.Heads,
        VocabSize = 256,
        MaxPositionEmbeddings = settings.Context,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
    };

    /// <summary>Whole documents up to a byte budget, so calibration text never ends mid-sentence.</summary>
    private static string TakeDocuments(IReadOnlyList<string> documents, int maxBytes)
    {
        var builder = new StringBuilder();
        foreach (var document in documents)
        {
            if (builder.Length > 0 && Encoding.UTF8.GetByteCount(builder.ToString()) + document.Length + 2 > maxBytes)
            {
                break;
            }
            builder.Append(document).Append("\n\n");
        }
        return builder.ToString();
    }

    internal sealed class StepProgress(IJobProgress sink, Action<double> lastLoss) : IProgress<(int Step, int Steps, double Loss)>
    {
        public void Report((int Step, int Steps, double Loss) value)
        {
            lastLoss(value.Loss);
            sink.Report("training", value.Step, value.Steps, $"loss {value.Loss:F3}");
        }
    }
}
