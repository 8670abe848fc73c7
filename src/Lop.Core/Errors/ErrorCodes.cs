namespace Lop.Core.Errors;

/// <summary>
/// Every error code the engine emits. Codes are stable: never renumber one, only add.
/// LOP0xxx runtime and native libraries, LOP1xxx lop.yaml, LOP2xxx checkpoint files,
/// LOP3xxx calibration data, LOP4xxx pruning, LOP5xxx artifacts and caches, LOP63xx GGUF export.
/// LOP60xx-62xx belong to Lop.Runtime (choosing and running variants in an app): see
/// Lop.Runtime.Errors.RuntimeErrorCodes. One number, one meaning, across both. The LOP00xx codes live in
/// Lop.Contract's EngineCodes, beside the build task's own, so the engine and the task share one table.
/// </summary>
public static class ErrorCodes
{
    // Runtime
    /// <summary>Thrown by Lop.Native (a NativeLoadException), which owns the number.</summary>
    public const string NativeLoadFailed = Lop.Native.NativeLoadException.ErrorCode;
    public const string InternalError = Lop.Contract.EngineCodes.InternalError;
    public const string InvalidArgument = Lop.Contract.EngineCodes.InvalidArgument;
    public const string OutputNotWritable = Lop.Contract.EngineCodes.OutputNotWritable;
    public const string EngineVersionUnsupported = Lop.Contract.EngineCodes.EngineVersionUnsupported;

    // lop.yaml (every one carries the line and column of the offending node)
    public const string YamlSyntax = "LOP1001";
    public const string UnknownKey = "LOP1002";
    public const string InvalidValue = "LOP1003";
    public const string RequiredKeyMissing = "LOP1004";
    public const string PathNotFound = "LOP1005";
    public const string DuplicateTarget = "LOP1006";
    public const string TargetInfeasible = "LOP1007";
    public const string UnknownDevice = "LOP1008";
    public const string TargetConstraintCount = "LOP1009";

    // Safetensors files
    public const string TruncatedFile = "LOP2001";
    public const string HeaderPastEnd = "LOP2002";
    public const string InvalidHeader = "LOP2003";
    public const string OffsetsOutOfRange = "LOP2004";
    public const string OverlappingTensors = "LOP2005";
    public const string SizeMismatch = "LOP2006";
    public const string UnsupportedDType = "LOP2007";
    public const string MissingTensor = "LOP2008";
    public const string ShapeMismatch = "LOP2009";
    public const string InvalidShardIndex = "LOP2010";

    // config.json
    public const string ConfigMissing = "LOP2101";
    public const string UnknownArchitecture = "LOP2102";
    public const string ConfigFieldMissing = "LOP2103";
    public const string ConfigFieldInvalid = "LOP2104";
    public const string PreprocessorInvalid = "LOP2105";

    // Calibration data and tokenizers
    public const string CalibrationMissing = "LOP3001";
    public const string CalibrationLineInvalid = "LOP3002";
    public const string TokenOutOfRange = "LOP3003";
    public const string CalibrationTooSmall = "LOP3004";
    public const string TokenizerUnavailable = "LOP3005";
    public const string SampleDocsMissing = "LOP3006";
    public const string ImageUnreadable = "LOP3007";

    /// <summary>A warning: search.rewardSequences asks for more sequences than the search split holds, so all of them are used.</summary>
    public const string RewardSequencesCut = "LOP3008";

    /// <summary>An image Qwen2-VL's smart resize cannot take: a side shorter than one merged patch, or one side over 200 times the other.</summary>
    public const string ImageSizeUnsupported = "LOP3009";

    // Pruning
    public const string InvalidRatio = "LOP4001";
    public const string RatioCountMismatch = "LOP4002";
    public const string ImportanceMismatch = "LOP4003";
    public const string PredictorMismatch = "LOP4004";

    /// <summary>A warning: every layer has the same outlier share, so OWL has nothing to tell layers apart by and allocates uniformly.</summary>
    public const string OwlUniform = "LOP4005";

    /// <summary>Activations, importance scores or a loss came out NaN or infinite: the checkpoint overflows in the compute dtype, or is broken.</summary>
    public const string NonFiniteValues = "LOP4006";

    // Search shards and their fragments (dotnet lop search --shard, dotnet lop datasets merge)
    /// <summary>A shard that cannot be: --shard not i/N with 0 &lt;= i &lt; N, half of a CI variable pair, or a sharded search without --out.</summary>
    public const string ShardSpecInvalid = "LOP5101";

    /// <summary>A fragment whose file name is not the SHA-256 of its content: changed or renamed after its shard wrote it.</summary>
    public const string FragmentTampered = "LOP5102";

    /// <summary>A fragment file that is not a fragment this engine reads: not JSON, another format or schema, not canonical, or fields that contradict its dataset key.</summary>
    public const string FragmentUnreadable = "LOP5103";

    /// <summary>Fragments of one merge that belong to different datasets: another model, calibration, importance, dtype, search setting or reward sequence count.</summary>
    public const string FragmentMismatch = "LOP5104";

    /// <summary>A fragment searched on another model than the one the merge names (--model).</summary>
    public const string FragmentModelMismatch = "LOP5105";

    /// <summary>Fragments of one merge written by different engine versions, whose searches need not agree.</summary>
    public const string FragmentEngineMismatch = "LOP5106";

    /// <summary>A merge given a folder that does not exist, or folders that hold no fragment.</summary>
    public const string FragmentsMissing = "LOP5107";

    // Dataset packages (dotnet lop datasets pack / import, and the packages a build references)
    /// <summary>datasets pack: the cache holds no dataset for this model, calibration and search settings; `dotnet lop search` with the same options makes it.</summary>
    public const string PackDatasetNotCached = "LOP5201";

    /// <summary>datasets pack --include: the importance scores or the predictor asked for are not in the cache.</summary>
    public const string PackEntryNotCached = "LOP5202";

    /// <summary>datasets pack: the package would exceed the 250 MB a NuGet gallery accepts.</summary>
    public const string PackageTooLarge = "LOP5203";

    /// <summary>datasets pack: --id is not a valid NuGet package id, or --include names something that is not importance or predictor.</summary>
    public const string PackArgumentInvalid = "LOP5204";

    /// <summary>Not a dataset package: no lop/package.json, an unreadable manifest or entry.json, a format this engine does not know.</summary>
    public const string PackageUnreadable = "LOP5205";

    /// <summary>The package's files do not match the digest it was packed with (edited, added or removed files): nothing is imported.</summary>
    public const string PackageDigestMismatch = "LOP5206";

    /// <summary>A warning: the package was searched on another model (its fingerprint differs); it is not imported and the build searches.</summary>
    public const string PackageModelMismatch = "LOP5207";

    /// <summary>A warning: the package was searched with other calibration data; it is not imported and the build searches.</summary>
    public const string PackageCalibrationMismatch = "LOP5208";

    /// <summary>A warning: same model and calibration, other search settings (dtype, simulations, seed, reward sequences...); not imported, the build searches.</summary>
    public const string PackageSettingsMismatch = "LOP5209";

    // GGUF export (llama.cpp); LOP60xx-62xx belong to Lop.Runtime (RuntimeErrorCodes)
    public const string TokenizerNotExportable = "LOP6301";
    public const string ExportTypeUnknown = "LOP6302";
    public const string ArchitectureNotExportable = "LOP6303";
    public const string QuantizationFailed = "LOP6304";
    public const string GgufInvalid = "LOP6305";
    public const string GgufScoringUnsupported = "LOP6306";

    /// <summary>A RoPE scaling setting llama.cpp's GGUF keys cannot express (a stated YaRN attention factor or ramp bounds).</summary>
    public const string RopeScalingNotExportable = "LOP6307";
}
