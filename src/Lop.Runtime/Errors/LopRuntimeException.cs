namespace Lop.Runtime.Errors;

/// <summary>
/// An error an app (or its user) can act on: a stable code from <see cref="RuntimeErrorCodes"/>, the file or
/// folder that caused it, and a message that says what to do. <see cref="Render"/> gives MSBuild's canonical
/// form, the same the build uses, so logs read alike.
/// </summary>
public sealed class LopRuntimeException : Exception
{
    public LopRuntimeException(string code, string message, string? file = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        File = file;
    }

    /// <summary>Stable code such as <c>LOP6103</c>.</summary>
    public string Code { get; }

    /// <summary>The manifest, model file, image or folder concerned, when there is one.</summary>
    public string? File { get; }

    /// <summary><c>file: error LOPnnnn: message</c>, or <c>lop: error LOPnnnn: message</c> without a file.</summary>
    public string Render() => $"{File ?? "lop"}: error {Code}: {Message}";
}
