namespace Lop.Core.Progress;

/// <summary>
/// Where long work reports what it is doing. The CLI draws it on stderr; the MSBuild task will turn
/// it into low-importance messages. Implementations throttle; callers report freely.
/// </summary>
public interface IJobProgress
{
    /// <summary>A step of <paramref name="stage"/> is done: <paramref name="done"/> of <paramref name="total"/>.</summary>
    void Report(string stage, long done, long total, string? detail = null);

    /// <summary>A line worth keeping in the log (a result, a decision, a cache hit).</summary>
    void Info(string message);

    /// <summary>
    /// A result the job had to settle for (a fallback, a setting it could not honour): not an error, but the
    /// user should see it, so the CLI prints it as a coded MSBuild warning that the build surfaces.
    /// Sinks that do not care get it as an info line.
    /// </summary>
    void Warn(string code, string message) => Info($"warning {code}: {message}");
}

/// <summary>Discards everything; for tests and library callers that do not care.</summary>
public sealed class SilentProgress : IJobProgress
{
    public static readonly SilentProgress Instance = new();

    public void Report(string stage, long done, long total, string? detail = null)
    {
    }

    public void Info(string message)
    {
    }
}
