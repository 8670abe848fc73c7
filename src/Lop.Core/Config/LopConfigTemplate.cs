using System.Globalization;
using Lop.Core.Gguf;
using Lop.Core.Predictor;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Targets;
using Lop.Runtime.Devices;
using Lop.Core.Calibration;

namespace Lop.Core.Config;

/// <summary>
/// The commented starter lop.yaml that <c>dotnet lop init</c> writes: every option, its default, one line on what it does.
/// The values are read from the settings records, so the template states the defaults the reader and the CLI use.
/// Its first line points the YAML language server at <see cref="LopConfigSchema.FileName"/>, which init writes beside it.
/// </summary>
public static class LopConfigTemplate
{
    // The column the comments of the calibration section, and of the search and predictor sections, line up at.
    private const int CalibrationColumn = 30;
    private const int TrainingColumn = 33;

    public static string Text { get; } = Build();

    private static string Build()
    {
        var calibration = new CalibrationOptions("");
        var training = PredictorTraining.Default;
        var search = training.Search;
        var predictor = training.Predictor;
        var architectures = Enum.GetNames<PredictorArchitecture>().Select(n => n.ToLowerInvariant()).ToArray();
        var quantizations = GgufExportType.All.Select(t => t.Name).ToArray();
        return $"""
            {LopConfigSchema.Modeline(LopConfigSchema.FileName)}
            # lop.yaml: which model to prune, on what text, and which variants to build.
            # Paths are relative to this file. Sizes take B, KB, MB, GB, TB (powers of 1000) or KiB, MiB,
            # GiB, TiB (powers of 1024); counts take K, M, B (thousand, million, billion).

            # The Hugging Face model folder to prune (config.json + *.safetensors).
            model: sample/model

            # Calibration text, one document per line (the short form is just the path).
            calibration:
              path: sample/calibration.txt
            {Entry(CalibrationColumn, "sequenceLength", Yaml(calibration.SequenceLength), "tokens per calibration sequence")}
            {Entry(CalibrationColumn, "heldOut", Yaml(calibration.HeldOutFraction), "fraction of sequences kept back to evaluate variants")}
            {Entry(CalibrationColumn, "seed", Yaml(calibration.Seed), "seed of the held-out split")}
            {Entry(CalibrationColumn, "maxSequences", Yaml(calibration.MaxSequences), "use at most this many sequences (null: all)")}

            # Compute dtype: f32, bf16, f16, or checkpoint (the checkpoint's own).
            dtype: {ComputeSettings.DefaultDType}

            # Search for the best per-layer allocation at each training budget (defaults are the LOP paper's).
            search:
            {Entry(TrainingColumn, "budgets", Yaml(training.Budgets), "fractions of all FFN neurons removed, to train the predictor on")}
            {Entry(TrainingColumn, "simulations", Yaml(search.Simulations), "MCTS simulations per budget")}
            {Entry(TrainingColumn, "rewardSequences", Yaml(training.RewardSequences), "calibration sequences each candidate is scored on")}
            {Entry(TrainingColumn, "seed", Yaml(search.Seed), "seed of the search and of predictor training")}
            {Entry(TrainingColumn, "maxPruneRatio", Yaml(search.UpperBound), "no layer loses more than this fraction of its FFN neurons")}
            {Entry(TrainingColumn, "imageGapWeight", Yaml(search.ImageGapWeight), "image+text calibration: reward keeping the model's use of its images too (0 = the paper's reward)")}
            {Entry(TrainingColumn, "stagedSequences", Yaml(search.Staged?.Sequences ?? 0), "score candidates on this many sequences first, the best on all (0 = off)")}
            {Entry(TrainingColumn, "promoteTop", Yaml(search.Staged?.PromoteTop ?? StagedFidelity.DefaultPromoteTop), "with stagedSequences: cheap scores this high up are re-scored on all")}
            {Entry(TrainingColumn, "tokenStride", Yaml(search.ScoredStride()), "with stagedSequences: the cheap stage scores every n-th token (1 = all)")}
            {Entry(TrainingColumn, "patience", Yaml(search.Patience), "stop once this many simulations did not improve the best (0 = never)")}

            # The network that maps a budget to per-layer pruning ratios.
            predictor:
            {Entry(TrainingColumn, "architecture", predictor.Architecture.ToString().ToLowerInvariant(), OneOf(architectures))}
            {Entry(TrainingColumn, "epochs", Yaml(predictor.Epochs), "training epochs")}
            {Entry(TrainingColumn, "top", Yaml(training.TopConfigurations), "best configurations per budget it learns from")}

            # Where the variants are written, one folder per target.
            output:
              path: {LopConfig.DefaultOutputFolder}

            # What each target's folder holds: safetensors always (the engine's format); gguf adds
            # model.gguf (+ mmproj.gguf for LLaVA) that llama.cpp / LLamaSharp load.
            formats: [{LopConfig.SafetensorsFormat}]

            # Artifact cache folder (null: the default per-user cache).
            cache: null

            # One variant per target: a unique name ([A-Za-z0-9._-]) and exactly one constraint:
            #   ratio: 0.5                 remove this fraction of all FFN neurons
            #   maxParams: 2.5M            at most this many parameters
            #   maxWeightBytes: 1.5GB      at most this many bytes of weights (checkpoint dtype; with gguf: the target's quantization)
            #   maxMemory: 8GiB            weights + KV cache; with contextLength (default {Yaml(TargetConstraint.DefaultContextLength)}) and batch (default {Yaml(TargetConstraint.DefaultBatch)})
            #   device: pixel-8            a built-in device (maxMemory overrides its memory); one of
            #                              {string.Join(", ", DeviceCatalog.Names)}
            # With formats gguf, a target may also set
            #   quantization: f16          {OneOf(quantizations)} (default {TargetSpec.DefaultQuantization.Name})
            #   granularity: 32            kept widths in multiples of this (default: the quantization's block)
            targets:
              - name: half
                ratio: 0.5

            """;
    }

    /// <summary>"  key: value", padded so the comment starts at <paramref name="column"/>.</summary>
    private static string Entry(int column, string key, string value, string comment)
    {
        var text = $"  {key}: {value}";
        return text.PadRight(Math.Max(column, text.Length + 1)) + "# " + comment;
    }

    private static string OneOf(IReadOnlyList<string> choices) => string.Join(", ", choices.SkipLast(1)) + " or " + choices[^1];

    private static string Yaml(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Yaml(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Yaml(int? value) => value is int v ? Yaml(v) : "null";

    private static string Yaml(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Yaml(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(Yaml)) + "]";
}
