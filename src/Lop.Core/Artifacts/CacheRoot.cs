namespace Lop.Core.Artifacts;

/// <summary>
/// Where cached artifacts live: an explicit folder (--cache), else $LOP_CACHE, else the user cache
/// folder ($XDG_CACHE_HOME/lop or ~/.cache/lop; %LOCALAPPDATA%\lop on Windows).
/// </summary>
public static class CacheRoot
{
    public const string EnvironmentVariable = "LOP_CACHE";

    public static string Resolve(string? explicitFolder = null)
    {
        if (!string.IsNullOrEmpty(explicitFolder))
        {
            return Path.GetFullPath(explicitFolder);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "lop");
        }
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "lop");
    }
}
