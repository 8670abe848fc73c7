using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Lop.Build;

/// <summary>
/// Reads the summary file the targets write after a run of the engine (one line per variant:
/// <c>target|budget|manifest|folder</c>), so a build that skips the engine still has its LopVariant items.
/// </summary>
public sealed class LopReadVariants : Microsoft.Build.Utilities.Task
{
    public const string Header = "# Lop.Build variants v1: target|budget|manifest|folder";

    [Required]
    public string SummaryFile { get; set; } = "";

    [Output]
    public ITaskItem[] Variants { get; private set; } = [];

    public override bool Execute()
    {
        if (!File.Exists(SummaryFile))
        {
            return true;
        }
        var items = new List<ITaskItem>();
        foreach (var line in File.ReadAllLines(SummaryFile))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var parts = line.Split('|');
            if (parts.Length != 4)
            {
                // A damaged summary only means the engine runs again: the targets treat it as missing.
                Log.LogMessage(MessageImportance.Normal, "Lop.Build: ignoring {0}: unexpected line '{1}'.", SummaryFile, line);
                return true;
            }
            var item = new TaskItem(parts[3]);
            item.SetMetadata("TargetName", parts[0]);
            item.SetMetadata("Budget", parts[1]);
            item.SetMetadata("Manifest", parts[2]);
            items.Add(item);
        }
        Variants = items.ToArray();
        return true;
    }
}
