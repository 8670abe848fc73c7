using System.Globalization;
using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Lop.Build;

/// <summary>The JSON printed by <c>lop variants --json</c> (<c>{"variants": [{"target", "budget", "folder", "manifest", ...}]}</c>) as items.</summary>
internal static class EngineResult
{
    public static ITaskItem[] Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var variants = document.RootElement.GetProperty("variants");
        var items = new List<ITaskItem>();
        foreach (var variant in variants.EnumerateArray())
        {
            var folder = variant.GetProperty("folder").GetString() ?? throw new FormatException("a variant has no folder");
            var item = new TaskItem(folder);
            item.SetMetadata("TargetName", variant.GetProperty("target").GetString());
            item.SetMetadata("Budget", variant.TryGetProperty("budget", out var budget) && budget.ValueKind == JsonValueKind.Number
                ? budget.GetDouble().ToString("R", CultureInfo.InvariantCulture)
                : "");
            item.SetMetadata("Manifest", variant.TryGetProperty("manifest", out var manifest) && manifest.GetString() is { } m
                ? m
                : Path.Combine(folder, "lop-manifest.json"));
            items.Add(item);
        }
        return items.ToArray();
    }
}
