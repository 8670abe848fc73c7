using System.Text.Json;
using Lop.Core.Artifacts;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Progress;

namespace Lop.Core.Pruning;

/// <summary>
/// Adds the GGUF file to a variant folder the variant writer has just written, then records it in
/// the manifest. The manifest is rewritten last, so a folder whose export was interrupted has no
/// GGUF entry and is rebuilt by the next run.
/// </summary>
internal static class VariantGguf
{
    public const string ModelFile = "model.gguf";
    public const string MmprojFile = "mmproj.gguf";

    public static VariantManifest Write(string folder, VariantManifest manifest, GgufExportType type, IJobProgress progress, CancellationToken cancellation)
    {
        GgufExportReport report;
        ModelConfigShape shape;
        using (var checkpoint = HfCheckpoint.Open(folder))
        {
            report = GgufExporter.Export(checkpoint, Path.Combine(folder, ModelFile), type, progress, cancellation, Path.Combine(folder, MmprojFile));
            var config = checkpoint.Config;
            shape = new ModelConfigShape(config.NumLayers, config.NumKvHeads, config.HeadDim, config.MaxPositionEmbeddings);
        }
        var updated = manifest with
        {
            Gguf = new GgufManifest(ModelFile, report.Mmproj is null ? null : Path.GetFileName(report.Mmproj), report.Type, report.Architecture, report.ArchitectureReason,
                report.Bytes + (report.MmprojBytes ?? 0), shape.Layers, shape.KvHeads, shape.HeadDim, shape.ContextLength, report.Fallbacks),
            Files = Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>()
                .Where(f => f != VariantManifest.FileName && !f.StartsWith('.')).Order(StringComparer.Ordinal).ToArray(),
        };
        AtomicFile.WriteAllText(Path.Combine(folder, VariantManifest.FileName), JsonSerializer.Serialize(updated, VariantManifest.Json) + "\n");
        progress.Info($"{manifest.Target ?? Path.GetFileName(folder)}: {ModelFile} ({report.Type}, llama.cpp architecture {report.Architecture}, {report.Bytes:N0} bytes)");
        return updated;
    }

    private sealed record ModelConfigShape(int Layers, int KvHeads, int HeadDim, int ContextLength);
}
