using Lop.Core.Calibration;
using Lop.Core.Gguf;
using Lop.Core.Predictor;
using Lop.Core.Search;
using Lop.Core.Settings;
using Lop.Core.Targets;
using Lop.Runtime.Devices;
using static Lop.Core.Config.ConfigValueKind;

namespace Lop.Core.Config;

/// <summary>
/// Every key of lop.yaml, in the order the reader lists them in its messages: its kind, what it means, the
/// choices and bounds the reader accepts. The reader takes its key lists and bounds from here and
/// <see cref="LopConfigSchema"/> writes the JSON Schema from here; choices come from the same tables the
/// reader matches against (the device catalog, the GGUF types, the dtypes).
/// </summary>
internal static class LopYamlKeys
{
    public static class Calibration
    {
        public static readonly ConfigKey Path = new("path", ConfigValueKind.Path, "The calibration file, relative to lop.yaml: plain text (one document per line), text JSONL, token-id JSONL or image+text JSONL.")
        { Required = true, Example = "sample/calibration.txt" };

        public static readonly ConfigKey SequenceLength = new("sequenceLength", Integer, "Tokens per calibration sequence.")
        { IntegerMinimum = 2, Default = CalibrationOptions.DefaultSequenceLength, Example = "128" };

        public static readonly ConfigKey HeldOut = new("heldOut", Number, "Fraction of the sequences kept back to evaluate the variants (above 0 and below 1).")
        { Range = new(ExclusiveMinimum: 0, ExclusiveMaximum: 1), Default = CalibrationOptions.DefaultHeldOutFraction, Example = "0.25" };

        public static readonly ConfigKey Seed = new("seed", Integer, "Seed of the held-out split.") { Default = CalibrationOptions.DefaultSeed, Example = "1234" };

        /// <summary>The split keeps one sequence for the search and one held out, so fewer than 2 is refused.</summary>
        public static readonly ConfigKey MaxSequences = new("maxSequences", Integer, "Use at most this many sequences, at least 2 (one for the search, one held out); null: all.")
        { IntegerMinimum = 2, Nullable = true, Example = "512" };

        public static readonly ConfigKey Section = new("calibration", ConfigValueKind.Section, "Calibration text: the path of the file, or a mapping with path and the split's settings.")
        {
            Required = true,
            ShortForm = Path,
            Keys = [Path, SequenceLength, HeldOut, Seed, MaxSequences],
            Example = "sample/calibration.txt",
        };
    }

    public static class Search
    {
        public static readonly ConfigKey Budgets = new("budgets", NumberList, "Fractions of all FFN neurons removed (at least 0, below 1, at most maxPruneRatio) that the predictor is trained on.")
        { Range = new(Minimum: 0, ExclusiveMaximum: 1), Example = "[0.2, 0.4, 0.6, 0.8]" };

        public static readonly ConfigKey Simulations = new("simulations", Integer, "MCTS simulations per budget.") { IntegerMinimum = 0, Default = new SearchSettings().Simulations, Example = "300" };

        public static readonly ConfigKey RewardSequences = new("rewardSequences", Integer, "Calibration sequences each candidate is scored on.") { IntegerMinimum = 1, Default = PredictorTraining.DefaultRewardSequences, Example = "32" };

        public static readonly ConfigKey Seed = new("seed", Integer, "Seed of the search and of predictor training.") { Default = new SearchSettings().Seed, Example = "1234" };

        public static readonly ConfigKey SeedsPerBudget = new("seedsPerBudget", Integer, "Independent MCTS trees per budget (root-parallel search), each running simulations (keep at least about 50 each); their configurations are pooled.")
        { IntegerMinimum = 1, Default = 1, Example = "4" };

        public static readonly ConfigKey MaxPruneRatio = new("maxPruneRatio", Number, "No layer loses more than this fraction of its FFN neurons (above 0 and below 1).")
        { Range = new(ExclusiveMinimum: 0, ExclusiveMaximum: 1), Default = new SearchSettings().UpperBound, Example = "0.9" };

        public static readonly ConfigKey ImageGapWeight = new("imageGapWeight", Number, "Image+text calibration: weight of the reward for keeping the model's use of its images (0 or more; 0 is the paper's reward).")
        { Range = new(Minimum: 0), Default = new SearchSettings().ImageGapWeight, Example = "1" };

        public static readonly ConfigKey StagedSequences = new("stagedSequences", Integer,
            "Staged fidelity: score every candidate by its divergence from the full model on this many reward sequences first, and only the most promising by the reward on all of them (0: off, every candidate on all).")
        { IntegerMinimum = 0, Default = 0, Example = "4" };

        public static readonly ConfigKey PromoteTop = new("promoteTop", Integer,
            "With stagedSequences: a candidate whose cheap score is among this many best so far is scored on every reward sequence.")
        { IntegerMinimum = 1, Default = StagedFidelity.DefaultPromoteTop, Example = "8" };

        public static readonly ConfigKey TokenStride = new("tokenStride", Integer,
            "With stagedSequences: the cheap stage scores every n-th next-token target only (the output layer runs at those positions alone); records are always scored on every target. 1: every target.")
        { IntegerMinimum = 1, Default = 1, Example = "4" };

        public static readonly ConfigKey Patience = new("patience", Integer,
            "Stop a budget's search once this many simulations in a row have not improved the best reward (0: never, run every simulation).")
        { IntegerMinimum = 0, Default = 0, Example = "60" };

        public static readonly ConfigKey Section = new("search", ConfigValueKind.Section, "The search for the best per-layer allocation at each training budget (defaults are the LOP paper's).")
        {
            Nullable = true,
            Keys = [Budgets, Simulations, SeedsPerBudget, RewardSequences, Seed, MaxPruneRatio, ImageGapWeight, StagedSequences, PromoteTop, TokenStride, Patience],
            Example = "{simulations: 60}",
        };
    }

    public static class Predictor
    {
        public static readonly ConfigKey Architecture = new("architecture", Choice, "The network that maps a budget to per-layer pruning ratios.")
        {
            Choices = Enum.GetNames<PredictorArchitecture>().Select(n => n.ToLowerInvariant()).ToArray(),
            Default = new PredictorSettings().Architecture.ToString().ToLowerInvariant(),
            Example = "transformer",
        };

        public static readonly ConfigKey Epochs = new("epochs", Integer, "Training epochs.") { IntegerMinimum = 1, Default = new PredictorSettings().Epochs, Example = "100" };

        public static readonly ConfigKey Top = new("top", Integer, "Best configurations per budget the predictor learns from.") { IntegerMinimum = 1, Default = PredictorTraining.DefaultTopConfigurations, Example = "32" };

        public static readonly ConfigKey Section = new("predictor", ConfigValueKind.Section, "The predictor of per-layer pruning ratios.")
        { Nullable = true, Keys = [Architecture, Epochs, Top], Example = "{epochs: 100}" };
    }

    public static class Output
    {
        public static readonly ConfigKey Path = new("path", ConfigValueKind.Path, "The folder the variants are written to, one folder per target, relative to lop.yaml.")
        { Nullable = true, Default = LopConfig.DefaultOutputFolder, Example = LopConfig.DefaultOutputFolder };

        public static readonly ConfigKey Section = new("output", ConfigValueKind.Section, $"Where the variants are written: a folder, or a mapping with path (default: {LopConfig.DefaultOutputFolder} beside lop.yaml).")
        { Nullable = true, ShortForm = Path, Keys = [Path], Example = LopConfig.DefaultOutputFolder };
    }

    public static class Target
    {
        /// <summary>A target's name names its folder: letters, digits, '.', '_' and '-' (an ECMAScript regex too, for the schema).</summary>
        public const string NamePattern = "^[A-Za-z0-9._-]+$";

        public static readonly ConfigKey Name = new("name", ConfigValueKind.Name, "A unique name for the variant; it names its folder.")
        { Required = true, Example = "half" };

        public static readonly ConfigKey Ratio = new("ratio", Number, "Constraint: remove this fraction of all FFN neurons (at least 0, below 1).")
        { Range = new(Minimum: 0, ExclusiveMaximum: 1), Example = "0.5" };

        public static readonly ConfigKey MaxParams = new("maxParams", Count, "Constraint: at most this many parameters, e.g. 2.5M or 7B.") { Example = "2.5M" };

        public static readonly ConfigKey MaxWeightBytes = new("maxWeightBytes", Size, "Constraint: at most this many bytes of weights (the checkpoint's dtype; with gguf, the target's quantization), e.g. 1.5GB.")
        { Example = "1.5GB" };

        public static readonly ConfigKey MaxMemory = new("maxMemory", Size, "Constraint: weights plus KV cache within this many bytes, e.g. 8GiB; beside device, it overrides the device's memory.")
        { Example = "8GiB" };

        public static readonly ConfigKey Device = new("device", Choice, "Constraint: fit a built-in device's memory (weights plus KV cache); for another device use maxMemory.")
        { Choices = DeviceCatalog.Names.ToArray(), Example = DeviceCatalog.Names.First() };

        public static readonly ConfigKey ContextLength = new("contextLength", Integer, "maxMemory and device targets: the context length the KV cache is sized for.")
        { IntegerMinimum = 1, Default = TargetConstraint.DefaultContextLength, Example = "4096" };

        public static readonly ConfigKey Batch = new("batch", Integer, "maxMemory and device targets: the batch the KV cache is sized for.") { IntegerMinimum = 1, Default = TargetConstraint.DefaultBatch, Example = "1" };

        public static readonly ConfigKey Quantization = new("quantization", Choice, "With formats gguf: the GGUF file's type; sizes count in it.")
        { Choices = GgufExportType.All.Select(t => t.Name).ToArray(), Default = TargetSpec.DefaultQuantization.Name, Example = "q8_0" };

        public static readonly ConfigKey Granularity = new("granularity", Integer, "Kept FFN widths in multiples of this; it must divide every layer's width (default: the quantization's block with gguf, else 1).")
        { IntegerMinimum = 1, Example = "32" };

        /// <summary>A target names exactly one of these (maxMemory beside device refines the device).</summary>
        public static readonly ConfigKey[] Constraints = [Ratio, MaxParams, MaxWeightBytes, MaxMemory, Device];

        public static readonly ConfigKey List = new("targets", SectionList, "One variant per target: a unique name and exactly one constraint (ratio, maxParams, maxWeightBytes, maxMemory or device).")
        {
            Required = true,
            Keys = [Name, .. Constraints, ContextLength, Batch, Quantization, Granularity],
            Example = "[{name: half, ratio: 0.5}]",
        };
    }

    public static readonly ConfigKey Model = new("model", ConfigValueKind.Path, "The Hugging Face model folder to prune (config.json + *.safetensors), relative to lop.yaml.")
    { Required = true, Example = "sample/model" };

    public static readonly ConfigKey DType = new("dtype", Choice, "Compute dtype; checkpoint: the checkpoint's own.")
    { Choices = ComputeSettings.DTypes, Default = ComputeSettings.DefaultDType, Example = ComputeSettings.DefaultDType };

    public static readonly ConfigKey Formats = new("formats", ChoiceList, "What each target's folder holds: safetensors always; gguf adds model.gguf (and mmproj.gguf for LLaVA) for llama.cpp.")
    { Choices = [LopConfig.SafetensorsFormat, LopConfig.GgufFormat], Example = "[safetensors, gguf]" };

    public static readonly ConfigKey Cache = new("cache", ConfigValueKind.Path, "The artifact cache folder; null: the default per-user cache.")
    { Nullable = true, Example = ".lop-cache" };

    /// <summary>The whole file: a mapping of the top-level keys.</summary>
    public static readonly ConfigKey Root = new("lop.yaml", ConfigValueKind.Section, "Lop.Build: which model to prune, on what calibration text, and which variants to build.")
    {
        Keys = [Model, Calibration.Section, DType, Search.Section, Predictor.Section, Output.Section, Formats, Cache, Target.List],
        Example = "",
    };
}
