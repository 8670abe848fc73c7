namespace Lop.Contract;

/// <summary>
/// How the engine reports problems to the build: one line on stderr in MSBuild's canonical form,
/// <c>file(line,col): error LOPnnnn: message</c> (or <c>lop: warning LOPnnnn: ...</c> without a file).
/// The task hands every stderr line to MSBuild's canonical-error reader (TaskLoggingHelper.LogMessageFromText),
/// which turns exactly this form into an error or warning with file, position and code; any other line is
/// a low-importance message. stdout carries only the JSON result (<see cref="VariantsJson"/>).
/// </summary>
public static class EngineDiagnostic
{
    public const string Error = "error";
    public const string Warning = "warning";

    /// <summary>The origin when there is no file.</summary>
    public const string NoFile = "lop";

    /// <summary>
    /// A milestone of long work (a stage and its estimated time, a cache hit, a variant written), written as
    /// <c>lop: info: message</c> when the task asks for it (<c>--log-format msbuild</c>). The task logs these at
    /// high importance, so a build log at minimal verbosity says where the time goes; progress lines stay low.
    /// </summary>
    public const string Info = "info";

    public const string LogFormatOption = "--log-format";

    public const string MsBuildLogFormat = "msbuild";

    public static string FormatInfo(string message) => $"{NoFile}: {Info}: {message}";

    public static bool TryParseInfo(string line, out string message)
    {
        var prefix = $"{NoFile}: {Info}: ";
        message = line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : "";
        return message.Length > 0;
    }

    public static string Format(string severity, string code, string message, string? file = null, int? line = null, int? column = null)
    {
        var origin = file ?? NoFile;
        if (file is not null && line is int l)
        {
            origin += column is int c ? $"({l},{c})" : $"({l})";
        }
        return $"{origin}: {severity} {code}: {message}";
    }

    /// <summary>The severity and code of a line in the form above, or false (tests check fake engines with it).</summary>
    public static bool TryParse(string text, out string severity, out string code)
    {
        severity = code = "";
        foreach (var candidate in new[] { Error, Warning })
        {
            var marker = $": {candidate} LOP";
            var at = text.IndexOf(marker, StringComparison.Ordinal);
            if (at <= 0)
            {
                continue;
            }
            var start = at + marker.Length - 3;
            var colon = text.IndexOf(':', start);
            if (colon == start + 7 && text.Substring(start + 3, 4).All(char.IsDigit))
            {
                severity = candidate;
                code = text.Substring(start, 7);
                return true;
            }
        }
        return false;
    }
}

/// <summary>
/// The LOP00xx codes, engine's and task's in one table, so no number means two things: the engine's
/// Lop.Core ErrorCodes reads its runtime codes from here, and Lop.Build raises its own from here.
/// LOP0000-LOP0009 are the engine's (LOP0005 it raises when the task's <c>--engine-version-range</c> excludes
/// it); LOP0004 and LOP0010-LOP0019 are the task's, about the engine's process. The targets raise LOP1005 for a
/// missing LopConfigFile, and LOP0012 on a platform libtorch has no CPU package for. Codes are stable: never renumber one, only add. (LOP0002 and LOP0003 once also
/// named the task's EngineMissing and EngineOutputInvalid; those are LOP0010 and LOP0011 now.)
/// </summary>
public static class EngineCodes
{
    // The engine
    public const string InternalError = "LOP0000";

    /// <summary>Lop.Native's NativeLoadException owns the number (it carries no Lop.Contract); a test holds the two equal.</summary>
    public const string NativeLoadFailed = "LOP0001";
    public const string InvalidArgument = "LOP0002";
    public const string OutputNotWritable = "LOP0003";
    public const string EngineVersionUnsupported = "LOP0005";

    // The build task (Lop.Build's LopVariants)
    public const string EngineFailed = "LOP0004";
    public const string EngineMissing = "LOP0010";
    public const string EngineOutputInvalid = "LOP0011";

    /// <summary>Raised by the targets (a warning): libtorch has no CPU package for the build machine's platform.</summary>
    public const string NativesUnavailable = "LOP0012";
}
