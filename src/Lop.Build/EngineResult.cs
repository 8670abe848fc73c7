using System.Globalization;
using Lop.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Lop.Build;

/// <summary>The JSON printed by <c>lop variants --json</c> (<see cref="VariantsReport"/>, read with the contract's options) as items.</summary>
internal static class EngineResult
{
    public static ITaskItem[] Parse(string json)
    {
        var report = VariantsJson.Deserialize(json);
        var items = new List<ITaskItem>();
        foreach (var variant in report.Variants)
        {
            var item = new TaskItem(variant.Folder);
            item.SetMetadata("TargetName", variant.Target);
            item.SetMetadata("Budget", variant.Budget.ToString("R", CultureInfo.InvariantCulture));
            item.SetMetadata("Manifest", variant.Manifest ?? Path.Combine(variant.Folder, "lop-manifest.json"));
            items.Add(item);
        }
        return items.ToArray();
    }
}
