using System.Text.Json;

// Lists the pruned model variants this app ships with: Lop.Build writes one per target of lop.yaml
// and copies them beside the app (lop-variants/<target>/), like any content file.
var root = Path.Combine(AppContext.BaseDirectory, "lop-variants");
if (!Directory.Exists(root))
{
    Console.Error.WriteLine($"no variants under {root}: build with Lop.Build enabled");
    return 1;
}
Console.WriteLine($"{"variant",-14} {"budget",7} {"parameters",11} {"held-out ppl",13} {"calibration",11}  kept FFN neurons per layer");
foreach (var manifestPath in Directory.GetFiles(root, "lop-manifest.json", SearchOption.AllDirectories).Order())
{
    using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
    var m = manifest.RootElement;
    var kept = string.Join(" ", m.GetProperty("keptPerLayer").EnumerateArray().Select(k => k.GetInt32()));
    Console.WriteLine($"{m.GetProperty("target").GetString(),-14} {m.GetProperty("budget").GetDouble(),7:0.###} {m.GetProperty("parametersAfter").GetInt64(),11:N0} {m.GetProperty("heldOutPerplexity").GetDouble(),13:F4} {(m.TryGetProperty("calibration", out var c) ? c.GetString() : "text"),11}  {kept}");
}
return 0;
