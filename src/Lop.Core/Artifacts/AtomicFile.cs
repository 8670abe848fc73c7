namespace Lop.Core.Artifacts;

/// <summary>Writes a small file beside its destination and renames it into place: readers never see half of it.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        var temporary = path + $".tmp-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
