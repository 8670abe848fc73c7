namespace Lop.Core.Artifacts;

/// <summary>
/// Publishing a folder built elsewhere: rename it into place (moving any previous one aside first and
/// deleting it after), so a reader sees the old folder or the new one, never a mixture.
/// </summary>
internal static class FolderSwap
{
    public static void Replace(string temporary, string destination)
    {
        if (!Directory.Exists(destination))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            Directory.Move(temporary, destination);
            return;
        }
        var old = destination + $".old-{Guid.NewGuid():N}";
        Directory.Move(destination, old);
        Directory.Move(temporary, destination);
        TryDelete(old);
    }

    /// <summary>Best effort: a leftover temporary folder is harmless and named as such.</summary>
    public static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
