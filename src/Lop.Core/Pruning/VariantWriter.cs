using System.Text.Json;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Progress;

namespace Lop.Core.Pruning;

/// <summary>What <see cref="VariantWriter"/> wrote.</summary>
internal sealed record VariantWriteResult(string Folder, long BytesWritten, long ParametersBefore, long ParametersAfter);

/// <summary>
/// Writes a pruned variant in the source's own layout (same shard files, same tensor order, same
/// dtypes): FFN gate/up rows and down columns of the kept neurons, every other tensor byte for byte,
/// streamed tensor by tensor from the memory-mapped source so memory stays flat whatever the model
/// size. Everything goes to a temporary folder beside the destination, renamed into place at the end;
/// a failure or cancellation leaves the destination as it was.
/// </summary>
internal static class VariantWriter
{
    private const int ChunkBytes = 4 << 20;

    public static VariantWriteResult Write(
        HfCheckpoint source,
        PruningPlan plan,
        Func<long, long, VariantManifest> manifestFor,
        string destination,
        IJobProgress progress,
        CancellationToken cancellation = default)
    {
        destination = Path.GetFullPath(destination.TrimEnd(Path.DirectorySeparatorChar));
        EnsureReplaceable(destination);
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var temporary = Path.Combine(parent, $".{Path.GetFileName(destination)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            long bytes = 0, tensorBytes = 0, before = 0, after = 0;
            var total = source.TensorNames.Count;
            var done = 0;
            foreach (var shard in source.Shards)
            {
                var (shardBytes, shardTensorBytes, shardBefore, shardAfter) = WriteShard(source, shard, plan, Path.Combine(temporary, shard.FileName), () =>
                {
                    cancellation.ThrowIfCancellationRequested();
                    progress.Report("writing variant", ++done, total);
                });
                bytes += shardBytes;
                tensorBytes += shardTensorBytes;
                before += shardBefore;
                after += shardAfter;
            }
            WriteIndexIfSharded(source, temporary, tensorBytes);
            WriteJson(Path.Combine(temporary, "config.json"), source.ConfigWithWidths(plan.KeptCounts, plan.VisionKeptNeurons?.Select(k => k.Length).ToArray()));
            CopyOtherFiles(source.Folder, temporary);
            WriteJson(Path.Combine(temporary, VariantManifest.FileName), manifestFor(before, after));
            FolderSwap.Replace(temporary, destination);
            return new VariantWriteResult(destination, bytes, before, after);
        }
        catch
        {
            FolderSwap.TryDelete(temporary);
            throw;
        }
    }

    private static (long FileBytes, long TensorBytes, long ParametersBefore, long ParametersAfter) WriteShard(
        HfCheckpoint source, CheckpointShard shard, PruningPlan plan, string path, Action tensorDone)
    {
        var entries = new List<TensorEntry>();
        long before = 0, after = 0;
        foreach (var name in shard.TensorNames)
        {
            var (_, info) = source.Get(name);
            var shape = PrunedShape(name, info, Resolve(name, plan, source.Config));
            entries.Add(new TensorEntry(name, info.DType, shape));
            before += info.ElementCount;
            after += shape.Aggregate(1L, (a, b) => a * b);
        }
        using var writer = new SafetensorsWriter(path, entries, new Dictionary<string, string> { ["format"] = "pt" });
        var buffer = new byte[ChunkBytes];
        foreach (var name in shard.TensorNames)
        {
            var (file, info) = source.Get(name);
            switch (Resolve(name, plan, source.Config))
            {
                case ({ } kept, FfnPart.Rows, _):
                    WriteRows(writer, file, info, kept);
                    break;
                case ({ } kept, FfnPart.Columns, _):
                    WriteColumns(writer, file, info, kept, buffer);
                    break;
                default:
                    WriteWhole(writer, file, info);
                    break;
            }
            // Skipped neurons' rows were never read; drop whatever the kernel read ahead around them.
            file.ReleasePages(info);
            tensorDone();
        }
        writer.Commit();
        return (writer.TotalBytes, entries.Sum(e => e.ByteLength), before, after);
    }

    /// <summary>
    /// The kept neurons for a pruned FFN tensor (the decoder's, or the vision tower's when the plan prunes
    /// it), with the width the plan expects it to have; null for a tensor copied whole.
    /// </summary>
    private static (int[] Kept, FfnPart Part, int ExpectedWidth)? Resolve(string name, PruningPlan plan, Models.ModelConfig config)
    {
        if (FfnTensorName.Classify(name, config.DecoderPrefix) is var (layer, part))
        {
            return layer < plan.Widths.Count ? (plan.KeptNeurons[layer], part, plan.Widths[layer]) : (plan.KeptNeurons[^1], part, -1);
        }
        if (plan.VisionKeptNeurons is not { } vision)
        {
            return null;
        }
        var (visionMatch, visionWidths) = config switch
        {
            { Multimodal: { } multimodal } => (FfnTensorName.ClassifyVision(name, config.Layout.CheckpointName("vision_tower.vision_model.")), multimodal.Vision.IntermediateSizes),
            { QwenVision: { } qwen } => (FfnTensorName.ClassifyQwenVision(name, config.Layout.CheckpointName("visual.")), qwen.IntermediateSizes),
            _ => (null, []),
        };
        if (visionMatch is var (visionLayer, visionPart))
        {
            return visionLayer < vision.Count && visionLayer < visionWidths.Length
                ? (vision[visionLayer], visionPart, visionWidths[visionLayer])
                : (vision[^1], visionPart, -1);
        }
        return null;
    }

    private static long[] PrunedShape(string name, TensorInfo info, (int[] Kept, FfnPart Part, int ExpectedWidth)? pruned)
    {
        var shape = (long[])info.Shape.Clone();
        if (pruned is var (kept, part, expected))
        {
            var axis = part == FfnPart.Rows ? 0 : shape.Length - 1;
            if (shape[axis] != expected)
            {
                throw new LopException(ErrorCodes.ImportanceMismatch,
                    $"tensor {name} has {shape[axis]} FFN neurons but the importance scores were computed for {Math.Max(expected, 0)}: recompute importance for this model (clear the cache entry).");
            }
            shape[axis] = kept.Length;
        }
        return shape;
    }

    private static void WriteWhole(SafetensorsWriter writer, SafetensorsFile file, TensorInfo info)
    {
        for (long offset = 0; offset < info.ByteLength; offset += ChunkBytes)
        {
            var length = (int)Math.Min(ChunkBytes, info.ByteLength - offset);
            writer.WriteTensorData(info.Name, file.Span(info, offset, length));
            file.ReleasePages(info, offset, length);
        }
    }

    /// <summary>Rows are contiguous: each run of consecutive kept neurons is one block copy.</summary>
    private static void WriteRows(SafetensorsWriter writer, SafetensorsFile file, TensorInfo info, int[] kept)
    {
        var rowBytes = info.ByteLength / info.Shape[0];
        foreach (var (start, length) in NeuronGather.Runs(kept))
        {
            var runBytes = rowBytes * length;
            for (long offset = 0; offset < runBytes; offset += ChunkBytes)
            {
                var chunk = (int)Math.Min(ChunkBytes, runBytes - offset);
                writer.WriteTensorData(info.Name, file.Span(info, start * rowBytes + offset, chunk));
                file.ReleasePages(info, start * rowBytes + offset, chunk);
            }
        }
    }

    /// <summary>Columns are strided: gather a batch of rows into the buffer, then write it.</summary>
    private static void WriteColumns(SafetensorsWriter writer, SafetensorsFile file, TensorInfo info, int[] kept, byte[] buffer)
    {
        var elementSize = DTypes.SizeOf(info.DType);
        var width = (int)info.Shape[^1];
        var rows = info.ElementCount / width;
        var rowBytes = (long)width * elementSize;
        var keptRowBytes = (long)kept.Length * elementSize;
        var rowsPerChunk = (int)Math.Max(1, Math.Min(buffer.Length / Math.Max(1, keptRowBytes), int.MaxValue / Math.Max(1, rowBytes)));
        for (long row = 0; row < rows; row += rowsPerChunk)
        {
            var count = (int)Math.Min(rowsPerChunk, rows - row);
            var output = buffer.AsSpan(0, (int)(count * keptRowBytes));
            NeuronGather.Columns(file.Span(info, row * rowBytes, (int)(count * rowBytes)), output, count, width, kept, elementSize);
            writer.WriteTensorData(info.Name, output);
            file.ReleasePages(info, row * rowBytes, count * rowBytes);
        }
    }

    /// <summary>As transformers writes it: total_size is the sum of tensor bytes, headers excluded.</summary>
    private static void WriteIndexIfSharded(HfCheckpoint source, string folder, long totalBytes)
    {
        if (source.IndexFile is null)
        {
            return;
        }
        var index = new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["total_size"] = totalBytes },
            ["weight_map"] = new System.Text.Json.Nodes.JsonObject(source.Shards
                .SelectMany(s => s.TensorNames.Select(n => KeyValuePair.Create(n, (System.Text.Json.Nodes.JsonNode?)s.FileName)))
                .OrderBy(p => p.Key, StringComparer.Ordinal)),
        };
        WriteJson(Path.Combine(folder, Path.GetFileName(source.IndexFile)), index);
    }

    /// <summary>Tokenizer files, generation config, licences: whatever the source folder carries besides weights.</summary>
    private static void CopyOtherFiles(string sourceFolder, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(sourceFolder))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".safetensors", StringComparison.Ordinal)
                || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal)
                || name is "config.json" or VariantManifest.FileName
                || File.Exists(Path.Combine(destination, name)))
            {
                continue;
            }
            File.Copy(file, Path.Combine(destination, name));
        }
    }

    private static void WriteJson<T>(string path, T value)
    {
        var json = value is System.Text.Json.Nodes.JsonNode node
            ? node.ToJsonString(VariantManifest.Json)
            : JsonSerializer.Serialize(value, VariantManifest.Json);
        File.WriteAllText(path, json + "\n");
    }

    /// <summary>Only an earlier variant (it has a manifest) or an empty folder may be replaced: never a user's own model.</summary>
    private static void EnsureReplaceable(string destination)
    {
        if (Directory.Exists(destination)
            && Directory.EnumerateFileSystemEntries(destination).Any()
            && !File.Exists(Path.Combine(destination, VariantManifest.FileName)))
        {
            throw new LopException(ErrorCodes.OutputNotWritable,
                $"{destination} exists and is not a variant written by lop (it has no {VariantManifest.FileName}); choose another --out folder or empty it.",
                destination);
        }
    }
}
