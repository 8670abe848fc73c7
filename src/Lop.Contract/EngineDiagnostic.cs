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
/// The codes both sides must agree on. The task raises LOP0002-LOP0004 itself about the engine's process;
/// the engine raises LOP0005 when the task's <c>--engine-version-range</c> excludes it. (LOP0002 and LOP0003
/// also name engine errors, InvalidArgument and OutputNotWritable, in Lop.Core's ErrorCodes; the task's
/// messages say "Lop.Build:" so the two are told apart.) The targets raise LOP1005 for a missing LopConfigFile.
/// </summary>
public static class EngineCodes
{
    public const string EngineMissing = "LOP0002";
    public const string EngineOutputInvalid = "LOP0003";
    public const string EngineFailed = "LOP0004";
    public const string EngineVersionUnsupported = "LOP0005";
}
