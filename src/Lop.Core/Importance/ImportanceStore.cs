using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Formats;

namespace Lop.Core.Importance;

/// <summary>
/// Importance scores in the artifact cache, keyed by a hash of exactly what they depend on (model
/// fingerprint, calibration content and split, compute dtype, schema). The payload is safetensors
/// (F64, one tensor per method and layer) so any tool can inspect it.
/// </summary>
internal static class ImportanceStore
{
    public const string Kind = "importance";

    /// <summary>Bump when the statistics or their layout change: old entries then simply stop matching.</summary>
    public const int Schema = 2;

    private const string PayloadFile = "scores.safetensors";

    public static string Key(string modelFingerprint, string calibrationHash, string computeDType)
    {
        var text = string.Join('\n', "lop-importance", Schema.ToString(CultureInfo.InvariantCulture), modelFingerprint, calibrationHash, computeDType);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The cached scores, or null when absent or unusable (<paramref name="problem"/> says why).</summary>
    public static ImportanceScores? TryLoad(ArtifactStore store, string key, out string? problem)
    {
        if (store.TryOpen(Kind, key, out problem) is null)
        {
            return null;
        }
        var path = Path.Combine(store.FolderOf(Kind, key), PayloadFile);
        try
        {
            using var file = SafetensorsFile.Open(path);
            var layers = int.Parse(file.Metadata["layers"], CultureInfo.InvariantCulture);
            var byMethod = new Dictionary<ImportanceMethod, double[][]>();
            foreach (var method in Enum.GetValues<ImportanceMethod>())
            {
                byMethod[method] = Enumerable.Range(0, layers).Select(l =>
                {
                    var info = file.Tensors[TensorName(method, l)];
                    return MemoryMarshal.Cast<byte, double>(file.Span(info, 0, (int)info.ByteLength)).ToArray();
                }).ToArray();
            }
            return new ImportanceScores(byMethod, long.Parse(file.Metadata["tokens"], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is LopException or KeyNotFoundException or FormatException or ArgumentException)
        {
            problem = $"cached importance {path} has an unexpected layout ({e.Message}); recomputing";
            return null;
        }
    }

    public static string Save(ArtifactStore store, string key, ImportanceScores scores, IReadOnlyDictionary<string, string> inputs)
    {
        var entry = store.Write(Kind, key, $"{Schema}.0.0", inputs, folder => WritePayload(Path.Combine(folder, PayloadFile), scores));
        return Path.Combine(store.FolderOf(Kind, entry.Key), PayloadFile);
    }

    public static string PathFor(ArtifactStore store, string key) => Path.Combine(store.FolderOf(Kind, key), PayloadFile);

    private static void WritePayload(string path, ImportanceScores scores)
    {
        var methods = Enum.GetValues<ImportanceMethod>();
        var entries = methods.SelectMany(m => Enumerable.Range(0, scores.Layers)
            .Select(l => new TensorEntry(TensorName(m, l), DType.F64, [scores.Widths[l]]))).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["tokens"] = scores.CalibrationTokens.ToString(CultureInfo.InvariantCulture),
            ["layers"] = scores.Layers.ToString(CultureInfo.InvariantCulture),
            ["activation"] = "rms of the down_proj input over all search-split tokens",
        };
        using var writer = new SafetensorsWriter(path, entries, metadata);
        foreach (var m in methods)
        {
            for (var l = 0; l < scores.Layers; l++)
            {
                writer.WriteTensorData(TensorName(m, l), MemoryMarshal.AsBytes(scores.For(m, l).AsSpan()));
            }
        }
        writer.Commit();
    }

    private static string TensorName(ImportanceMethod method, int layer) =>
        $"{method.ToString().ToLowerInvariant()}.layers.{layer.ToString(CultureInfo.InvariantCulture)}";
}
