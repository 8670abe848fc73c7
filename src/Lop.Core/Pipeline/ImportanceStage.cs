using System.Globalization;
using System.Runtime.InteropServices;
using Lop.Core.Formats;
using Lop.Core.Importance;

namespace Lop.Core.Pipeline;

/// <summary>
/// Importance scores in the artifact cache, keyed by exactly what they depend on (model fingerprint,
/// calibration content and split, compute dtype, schema). The payload is safetensors (F64, one tensor
/// per method and layer) so any tool can inspect it.
/// </summary>
internal sealed class ImportanceStage() : ArtifactStage<ImportanceScores>(KindName, SchemaVersion, "scores.safetensors")
{
    public const string KindName = "importance";

    /// <summary>Bump when the statistics or their layout change: old entries then simply stop matching.</summary>
    private const int SchemaVersion = 2;

    public string Key(string modelFingerprint, string calibrationHash, string computeDType) =>
        KeyOf(modelFingerprint, calibrationHash, computeDType);

    protected override ImportanceScores Read(string path)
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

    protected override void Write(string path, ImportanceScores scores)
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
