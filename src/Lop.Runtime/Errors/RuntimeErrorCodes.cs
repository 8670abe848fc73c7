namespace Lop.Runtime.Errors;

/// <summary>
/// Every error code Lop.Runtime emits: the LOP6xxx range, which the engine's codes (LOP0xxx-LOP5xxx) never
/// use, so one code keeps one meaning across the build and the app. Codes are stable: never renumber, only add.
/// </summary>
public static class RuntimeErrorCodes
{
    // Finding variants
    public const string VariantsFolderMissing = "LOP6001";
    public const string NoUsableVariant = "LOP6002";
    public const string ManifestUnreadable = "LOP6003";
    public const string ManifestWithoutGguf = "LOP6004";
    public const string GgufFileMissing = "LOP6005";

    // Choosing one
    public const string UnknownTarget = "LOP6101";
    public const string UnknownDevice = "LOP6102";
    public const string NothingFits = "LOP6103";
    public const string InvalidRequest = "LOP6104";

    // Running it
    public const string VariantLoadFailed = "LOP6201";
    public const string AllVariantsFailed = "LOP6202";
    public const string NoVisionProjector = "LOP6203";
    public const string ImageUnreadable = "LOP6204";
    public const string PromptTooLong = "LOP6205";
    public const string DecodeFailed = "LOP6206";
}
