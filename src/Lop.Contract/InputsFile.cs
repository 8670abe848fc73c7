using System.Text;

namespace Lop.Contract;

/// <summary>
/// The files a <c>lop variants</c> run read (every file of the model folder, the calibration file, and for
/// image+text calibration every image its records name): absolute paths, sorted ordinally, one per line,
/// UTF-8 without BOM. The engine writes it where <c>--inputs-file</c> says; the targets read it with
/// ReadLinesFromFile as the next build's Inputs, so a no-op build decides without starting the engine and
/// the task never reads lop.yaml. Rewritten only when the list changes (so its own timestamp stays
/// older than the summary the targets write after the run), through a temporary file and a rename.
/// </summary>
public static class InputsFile
{
    public static string Format(IEnumerable<string> files)
    {
        var text = new StringBuilder();
        foreach (var file in files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).OrderBy(f => f, StringComparer.Ordinal))
        {
            text.Append(file).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes the list unless the file already holds exactly it; true when it wrote.</summary>
    public static bool Write(string path, IEnumerable<string> files)
    {
        var text = Format(files);
        path = Path.GetFullPath(path);
        if (File.Exists(path) && File.ReadAllText(path) == text)
        {
            return false;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temp, path, overwrite: true);
        return true;
    }

    public static IReadOnlyList<string> Read(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
}
