using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lop.Core.Errors;
using Lop.Core.Formats;

namespace Lop.Core.Importance;

/// <summary>
/// Importance scores on disk, keyed by a hash of exactly what they depend on (model fingerprint,
/// calibration content and split, compute dtype, schema). Stored as safetensors (F64, one tensor per
/// method and layer) so any tool can inspect them. Written atomically; an unreadable or inconsistent
/// entry is reported and recomputed, never used.
/// </summary>
internal static class ImportanceStore
{
    /// <summary>Bump when the statistics or their layout change: old entries then simply stop matching.</summary>
    public const int Schema = 2;

    public static string Key(string modelFingerprint, string calibrationHash, string computeDType)
    {
        var text = string.Join('\n', "lop-importance", Schema.ToString(CultureInfo.InvariantCulture), modelFingerprint, calibrationHash, computeDType);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public static string PathFor(string cacheRoot, string key) => Path.Combine(cacheRoot, "importance", key[..2], key + ".safetensors");

    /// <summary>The cached scores, or null when absent or unusable (<paramref name="problem"/> says why).</summary>
    public static ImportanceScores? TryLoad(string path, string key, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            using var file = SafetensorsFile.Open(path);
            if (!file.Metadata.TryGetValue("key", out var stored) || stored != key
                || !file.Metadata.TryGetValue("tokens", out var tokensText)
                || !file.Metadata.TryGetValue("layers", out var layersText))
            {
                problem = $"cached importance {path} does not match its key; recomputing";
                return null;
            }
            var layers = int.Parse(layersText, CultureInfo.InvariantCulture);
            var byMethod = new Dictionary<ImportanceMethod, double[][]>();
            foreach (var method in Enum.GetValues<ImportanceMethod>())
            {
                byMethod[method] = Enumerable.Range(0, layers).Select(l =>
                {
                    var info = file.Tensors.TryGetValue(TensorName(method, l), out var found) && found.DType == DType.F64
                        ? found
                        : throw new InvalidDataException($"tensor {TensorName(method, l)} missing");
                    return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(file.Span(info, 0, (int)info.ByteLength)).ToArray();
                }).ToArray();
            }
            return new ImportanceScores(byMethod, long.Parse(tokensText, CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is LopException or InvalidDataException or FormatException or ArgumentException or IOException)
        {
            problem = $"cached importance {path} is corrupt ({e.Message}); recomputing";
            return null;
        }
    }

    public static void Save(string path, string key, ImportanceScores scores)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var methods = Enum.GetValues<ImportanceMethod>();
        var entries = methods.SelectMany(m => Enumerable.Range(0, scores.Layers)
            .Select(l => new TensorEntry(TensorName(m, l), DType.F64, [scores.Widths[l]]))).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["key"] = key,
            ["schema"] = Schema.ToString(CultureInfo.InvariantCulture),
            ["tokens"] = scores.CalibrationTokens.ToString(CultureInfo.InvariantCulture),
            ["layers"] = scores.Layers.ToString(CultureInfo.InvariantCulture),
            ["activation"] = "rms of the down_proj input over all calibration tokens",
        };
        // Two processes computing the same entry each write their own temp file; the last rename wins
        // and both contents are identical, so readers never see a partial file.
        using var writer = new SafetensorsWriter(path, entries, metadata);
        foreach (var m in methods)
        {
            for (var l = 0; l < scores.Layers; l++)
            {
                writer.WriteTensorData(TensorName(m, l), System.Runtime.InteropServices.MemoryMarshal.AsBytes(scores.For(m, l).AsSpan()));
            }
        }
        writer.Commit();
    }

    private static string TensorName(ImportanceMethod method, int layer) =>
        $"{method.ToString().ToLowerInvariant()}.layers.{layer.ToString(CultureInfo.InvariantCulture)}";
}
