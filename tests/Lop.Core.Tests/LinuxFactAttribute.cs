namespace Lop.Core.Tests;

/// <summary>
/// A fact about something only Linux has (/proc, the host's ELF libraries). Elsewhere it is reported as
/// skipped, with <paramref name="reason"/>, instead of returning early and passing without testing anything.
/// xunit 2 has no dynamic skip: the runner reads <see cref="FactAttribute.Skip"/> from this instance at
/// discovery, so setting it in the constructor is a real skip. CI runs on Linux, where nothing is skipped.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute(string reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Linux only: " + reason;
        }
    }
}
