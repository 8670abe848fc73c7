namespace Lop.Native;

/// <summary>
/// TorchSharp's natives could not be loaded; the message names the real cause (a missing library
/// version, a file not found, the dynamic linker's own error). Always <see cref="ErrorCode"/>: the
/// engine's code table (Lop.Core.Errors.ErrorCodes.NativeLoadFailed) takes its number from here, so
/// one number keeps one meaning while this project stays free of the engine.
/// </summary>
public sealed class NativeLoadException : Exception
{
    public const string ErrorCode = "LOP0001";

    public NativeLoadException(string message, string? file = null, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
    }

    public string Code => ErrorCode;

    /// <summary>The shim or library concerned, when there is one.</summary>
    public string? File { get; }

    /// <summary><c>file: error LOP0001: message</c>, or <c>lop: error LOP0001: message</c> without a file (as the engine's errors render).</summary>
    public string Render() => $"{File ?? "lop"}: error {Code}: {Message}";
}
