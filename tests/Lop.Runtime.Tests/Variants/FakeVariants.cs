using System.Globalization;

namespace Lop.Runtime.Tests.Variants;

/// <summary>Variant folders laid out as the build lays them out, with manifests whose figures the test chooses.</summary>
internal static class FakeVariants
{
    public const int Layers = 2, KvHeads = 2, HeadDim = 16;

    /// <summary>KV cache of the fake variants: 2 x 2 layers x 2 heads x 16 dims x 2 bytes = 256 bytes per token.</summary>
    public static long KvBytes(int context) => 2L * Layers * KvHeads * HeadDim * 2 * context;

    /// <summary>
    /// Writes <c>&lt;root&gt;/&lt;folder&gt;/lop-manifest.json</c> and its model file (a stand-in whose content does not
    /// matter until something loads it; <paramref name="modelFile"/> replaces it with a real one).
    /// </summary>
    public static string Write(TempFolder root, string folder, long bytes, string? target = "", string? mmproj = null, string? modelFile = null)
    {
        var variant = root.Combine(folder);
        Directory.CreateDirectory(variant);
        if (modelFile is null)
        {
            File.WriteAllText(Path.Combine(variant, "model.gguf"), "not read by selection");
        }
        else
        {
            File.Copy(modelFile, Path.Combine(variant, "model.gguf"));
        }
        if (mmproj is not null)
        {
            File.WriteAllText(Path.Combine(variant, mmproj), "not read by selection");
        }
        var targetField = target switch
        {
            null => "",
            "" => $"\"target\": \"{folder}\",",
            _ => $"\"target\": \"{target}\",",
        };
        var mmprojField = mmproj is null ? "" : $"\"mmproj\": \"{mmproj}\",";
        // Fields Lop.Runtime does not read (sourceFingerprint, ratios) stand for everything else the engine writes.
        var json = $$"""
            {
              "schema": 1,
              "engineVersion": "0.1.0",
              {{targetField}}
              "constraint": "ratio 0.5",
              "budget": 0.5,
              "parametersAfter": 2900000,
              "heldOutPerplexity": 3.84,
              "sourceFingerprint": "abc",
              "ratios": [0.5, 0.5],
              "gguf": {
                "file": "model.gguf",
                {{mmprojField}}
                "type": "f32",
                "architecture": "llama",
                "architectureReason": "uniform widths",
                "bytes": {{bytes.ToString(CultureInfo.InvariantCulture)}},
                "layers": {{Layers}},
                "kvHeads": {{KvHeads}},
                "headDim": {{HeadDim}},
                "contextLength": 2048
              }
            }
            """;
        File.WriteAllText(Path.Combine(variant, "lop-manifest.json"), json);
        return variant;
    }
}
