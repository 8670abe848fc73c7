namespace Lop.Core.Errors;

/// <summary>
/// An error the user can act on: a stable code, the file (and where known the line and column)
/// that caused it, and a message that says what to do. Rendered once, at the edge (CLI or MSBuild task),
/// in MSBuild's canonical form so IDEs and CI logs point at the culprit.
/// </summary>
public sealed class LopException : Exception
{
    public LopException(string code, string message, string? file = null, int? line = null, int? column = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        File = file;
        Line = line;
        Column = column;
    }

    /// <summary>Stable code such as <c>LOP2004</c>; see <see cref="ErrorCodes"/>.</summary>
    public string Code { get; }

    public string? File { get; }

    public int? Line { get; }

    public int? Column { get; }

    /// <summary><c>file(line,col): error LOPnnnn: message</c>, or <c>lop: error LOPnnnn: message</c> without a file.</summary>
    public string Render() => Lop.Contract.EngineDiagnostic.Format(Lop.Contract.EngineDiagnostic.Error, Code, Message, File, Line, Column);
}
