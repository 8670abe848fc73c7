using System.Globalization;
using System.Runtime.InteropServices;
using Lop.Core.Formats;
using Lop.Core.Importance;

namespace Lop.Core.Pipeline;

/// <summary>
/// Importance scores in the artifact cache, keyed by exactly what they depend on (model fingerprint,
/// calibration content and split, compute dtype, schema). The payload is safetensors (F64, one tensor
/// per method and layer, and one of mean activations per layer) so any tool can inspect it.
/// </summary>
internal sealed class ImportanceStage() : ArtifactStage<ImportanceScores>(KindName, SchemaVersion, "scores.safetensors")
{
    public const string KindName = "importance";

    /// <summary>
    /// Bump when the statistics or their layout change: old entries then simply stop matching.
    /// 3: the neurons' mean activations (FLAP's bias compensation) joined the scores.
    /// </summary>
    private const int SchemaVersion = 3;

    public string Key(string modelFingerprint, string calibrationHash, string computeDType) =>
        KeyOf(modelFingerprint, calibrationHash, computeDType);

    protected override ImportanceScores Read(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var layers = int.Parse(file.Metadata["layers"], CultureInfo.InvariantCulture);
        var byMethod = new Dictionary<ImportanceMethod, double[][]>();
        foreach (var method in Enum.GetValues<ImportanceMethod>())
        {
            byMethod[method] = Enumerable.Range(0, layers).Select(l => ReadVector(file, TensorName(method, l))).ToArray();
        }
        var means = Enumerable.Range(0, layers).Select(l => ReadVector(file, MeanName(l))).ToArray();
        return new ImportanceScores(byMethod, long.Parse(file.Metadata["tokens"], CultureInfo.InvariantCulture), means);
    }

    protected override void Write(string path, ImportanceScores scores)
    {
        var means = scores.MeanActivations
            ?? throw new ArgumentException("scores without mean activations are not cached: FLAP's bias compensation needs them", nameof(scores));
        var methods = Enum.GetValues<ImportanceMethod>();
        var entries = methods.SelectMany(m => Enumerable.Range(0, scores.Layers)
            .Select(l => new TensorEntry(TensorName(m, l), DType.F64, [scores.Widths[l]])))
            .Concat(Enumerable.Range(0, scores.Layers).Select(l => new TensorEntry(MeanName(l), DType.F64, [scores.Widths[l]])))
            .ToList();
        var metadata = new Dictionary<string, string>
        {
            ["tokens"] = scores.CalibrationTokens.ToString(CultureInfo.InvariantCulture),
            ["layers"] = scores.Layers.ToString(CultureInfo.InvariantCulture),
            ["activation"] = "rms of the down_proj input over all search-split tokens",
            ["mean"] = "mean of the down_proj input over all search-split tokens",
        };
        using var writer = new SafetensorsWriter(path, entries, metadata);
        foreach (var m in methods)
        {
            for (var l = 0; l < scores.Layers; l++)
            {
                writer.WriteTensorData(TensorName(m, l), MemoryMarshal.AsBytes(scores.For(m, l).AsSpan()));
            }
        }
        for (var l = 0; l < scores.Layers; l++)
        {
            writer.WriteTensorData(MeanName(l), MemoryMarshal.AsBytes(means[l].AsSpan()));
        }
        writer.Commit();
    }

    private static double[] ReadVector(SafetensorsFile file, string name)
    {
        var info = file.Tensors[name];
        return MemoryMarshal.Cast<byte, double>(file.Span(info, 0, (int)info.ByteLength)).ToArray();
    }

    private static string MeanName(int layer) => $"mean.layers.{layer.ToString(CultureInfo.InvariantCulture)}";

    private static string TensorName(ImportanceMethod method, int layer) =>
        $"{method.ToString().ToLowerInvariant()}.layers.{layer.ToString(CultureInfo.InvariantCulture)}";
}
