using Lop.Core.Errors;

namespace Lop.Core.Config;

/// <summary>
/// Every error found in one lop.yaml, so the user fixes them in one pass. Each is a <see cref="LopException"/>
/// with its own code and position; print one line per error with <see cref="LopException.Render"/>.
/// The message is those lines joined, ordered by line and column.
/// </summary>
public sealed class LopConfigException : Exception
{
    public LopConfigException(IReadOnlyList<LopException> errors)
        : base(string.Join("\n", errors.Select(e => e.Render())))
    {
        Errors = errors;
    }

    public IReadOnlyList<LopException> Errors { get; }
}
