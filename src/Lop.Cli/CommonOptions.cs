using System.CommandLine;
using Lop.Core.Settings;
using Lop.Core.Calibration;

namespace Lop.Cli;

/// <summary>Options several commands share, defined once so their names and defaults agree.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo> Model() => new("--model")
    {
        Description = "Hugging Face model folder (config.json + model.safetensors or a sharded index).",
        Required = true,
    };

    public static Option<FileInfo> Calibration() => new("--calibration")
    {
        Description = "Calibration data: UTF-8 text, JSONL of {\"text\": ...}, or JSONL of token ids {\"input_ids\": [...]}.",
        Required = true,
    };

    public static Option<int> SequenceLength() => new("--sequence-length")
    {
        Description = "Tokens per calibration sequence.",
        DefaultValueFactory = _ => CalibrationOptions.DefaultSequenceLength,
    };

    public static Option<double> HeldOut() => new("--held-out")
    {
        Description = "Fraction of calibration sequences held out for evaluation (never used for importance or search).",
        DefaultValueFactory = _ => CalibrationOptions.DefaultHeldOutFraction,
    };

    public static Option<int> Seed() => new("--seed")
    {
        Description = "Seed of the deterministic calibration split.",
        DefaultValueFactory = _ => CalibrationOptions.DefaultSeed,
    };

    public static Option<int?> MaxSequences() => new("--max-sequences")
    {
        Description = "Use at most this many calibration sequences in all (default: every one).",
    };

    public static Option<int> BatchSize() => new("--batch-size")
    {
        Description = "Sequences per forward pass.",
        DefaultValueFactory = _ => ComputeSettings.DefaultBatchSize,
    };

    public static Option<string> DType() => new("--dtype")
    {
        Description = "Compute dtype: f32, bf16, f16, or 'checkpoint' for the checkpoint's own.",
        DefaultValueFactory = _ => ComputeSettings.DefaultDType,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print the result as JSON on stdout (progress stays on stderr).",
    };

    public static Option<DirectoryInfo?> Cache() => new("--cache")
    {
        Description = "Artifact cache folder (default: $LOP_CACHE, else the user cache folder).",
    };

    /// <summary>The calibration options, built from a command's parsed values.</summary>
    public sealed class CalibrationBinding
    {
        private readonly Option<FileInfo> _file = Calibration();
        private readonly Option<int> _length = SequenceLength();
        private readonly Option<double> _heldOut = HeldOut();
        private readonly Option<int> _seed = Seed();
        private readonly Option<int?> _max = MaxSequences();

        public void AddTo(Command command)
        {
            command.Options.Add(_file);
            command.Options.Add(_length);
            command.Options.Add(_heldOut);
            command.Options.Add(_seed);
            command.Options.Add(_max);
        }

        public CalibrationOptions Bind(ParseResult result) => new(
            result.GetValue(_file)!.FullName,
            result.GetValue(_length),
            result.GetValue(_heldOut),
            result.GetValue(_seed),
            result.GetValue(_max));
    }
}
