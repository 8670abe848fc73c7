using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using Lop.Core.Models;
using Lop.Core.Progress;

namespace Lop.Core.Formats;

/// <summary>One safetensors file of a checkpoint and the tensors it holds, in data order.</summary>
public sealed record CheckpointShard(string FileName, IReadOnlyList<string> TensorNames);

/// <summary>
/// A Hugging Face model folder: config.json plus model.safetensors, or shards listed by
/// model.safetensors.index.json. Every shard is opened (memory-mapped) and validated up front, so
/// bad input fails before any work starts.
/// </summary>
public sealed class HfCheckpoint : IDisposable
{
    public const string SingleFile = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> _files;
    private readonly Dictionary<string, (SafetensorsFile File, TensorInfo Info)> _tensors;
    private readonly byte[] _configBytes;

    private HfCheckpoint(string folder, byte[] configBytes, JsonObject rawConfig, ModelConfig config, string? indexFile,
        Dictionary<string, SafetensorsFile> files, IReadOnlyList<CheckpointShard> shards)
    {
        Folder = folder;
        _configBytes = configBytes;
        RawConfig = rawConfig;
        IndexFile = indexFile;
        _files = files;
        Shards = shards;
        _tensors = new Dictionary<string, (SafetensorsFile, TensorInfo)>(StringComparer.Ordinal);
        foreach (var file in files.Values)
        {
            foreach (var info in file.OrderedTensors)
            {
                _tensors[info.Name] = (file, info);
            }
        }
        // Which transformers naming the file uses is only known from its tensor names.
        Config = config with { Layout = CheckpointLayout.Detect(config.Architecture, _tensors.Keys) };
    }

    public string Folder { get; }

    public ModelConfig Config { get; }

    /// <summary>config.json as written, to derive variants' configs from without losing unknown fields.</summary>
    public JsonObject RawConfig { get; }

    /// <summary>Path of model.safetensors.index.json, or null for a single-file checkpoint.</summary>
    public string? IndexFile { get; }

    public IReadOnlyList<CheckpointShard> Shards { get; }

    public IReadOnlyCollection<string> TensorNames => _tensors.Keys;

    public static HfCheckpoint Open(string folder)
    {
        folder = Path.GetFullPath(folder);
        var configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            throw new LopException(ErrorCodes.ConfigMissing,
                Directory.Exists(folder)
                    ? $"{folder} has no config.json; point --model at a Hugging Face model folder."
                    : $"model folder {folder} does not exist.",
                configPath);
        }
        var configBytes = File.ReadAllBytes(configPath);
        var raw = ParseJson(configBytes, configPath, ErrorCodes.ConfigFieldInvalid) as JsonObject
            ?? throw new LopException(ErrorCodes.ConfigFieldInvalid, "config.json is not a JSON object.", configPath);
        var config = ModelConfigReader.Read(raw, configPath);
        var (indexFile, shardFiles) = ShardFiles(folder);
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (fileName, _) in shardFiles)
            {
                files[fileName] = SafetensorsFile.Open(Path.Combine(folder, fileName));
            }
            var shards = CheckShards(shardFiles, files, indexFile);
            return new HfCheckpoint(folder, configBytes, raw, config, indexFile, files, shards);
        }
        catch
        {
            foreach (var file in files.Values)
            {
                file.Dispose();
            }
            throw;
        }
    }

    public (SafetensorsFile File, TensorInfo Info) Get(string name) =>
        _tensors.TryGetValue(name, out var found)
            ? found
            : throw new LopException(ErrorCodes.MissingTensor,
                $"tensor {name} is missing from {Folder}, but {Config.Architecture} needs it; the checkpoint is incomplete or of another architecture.",
                IndexFile ?? Path.Combine(Folder, SingleFile));

    /// <summary>Every tensor the config implies is present with the implied shape.</summary>
    public void ValidateAgainstConfig()
    {
        foreach (var (name, shape) in Config.RequiredTensors())
        {
            var (file, info) = Get(name);
            if (!info.Shape.SequenceEqual(shape))
            {
                throw new LopException(ErrorCodes.ShapeMismatch,
                    $"tensor {name} has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", shape)}]; the checkpoint and its config.json disagree.",
                    file.Path);
            }
        }
    }

    /// <summary>The dtype most of the weights' bytes are in (what "compute in the checkpoint's dtype" means).</summary>
    public DType DominantDType() =>
        _tensors.Values.GroupBy(t => t.Info.DType).MaxBy(g => g.Sum(t => t.Info.ByteLength))?.Key ?? DType.F32;

    public long ParameterCount() => _tensors.Values.Sum(t => t.Info.ElementCount);

    public long WeightBytes() => _tensors.Values.Sum(t => t.Info.ByteLength);

    public JsonObject ConfigWithWidths(IReadOnlyList<int> widths, IReadOnlyList<int>? visionWidths = null) =>
        ModelConfigReader.WithWidths(RawConfig, widths, visionWidths);

    /// <summary>
    /// Identifies the checkpoint for caches: SHA-256 over config.json and, per shard, its name, length,
    /// header (every tensor's name, dtype, shape and offsets) and a digest of all its bytes. The digest
    /// is what makes a fine-tune saved in place (same names, shapes, lengths) a different model to every
    /// cache; <paramref name="digests"/> remembers it per file, so a run with unchanged weights reads
    /// only headers. Without a cache (<see cref="FileDigestCache.None"/>) every shard is read.
    /// </summary>
    public string Fingerprint(FileDigestCache? digests = null, IJobProgress? progress = null)
    {
        digests ??= FileDigestCache.None;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_configBytes);
        foreach (var shard in Shards)
        {
            var file = _files[shard.FileName];
            hash.AppendData(Encoding.UTF8.GetBytes($"\n{shard.FileName}\n{file.Length}\n"));
            using (var stream = File.OpenRead(file.Path))
            {
                var header = new byte[file.DataOffset];
                stream.ReadExactly(header);
                hash.AppendData(header);
            }
            var digest = digests.Digest(file.Path, progress);
            hash.AppendData(Encoding.UTF8.GetBytes($"\n{FileDigestCache.Algorithm}:{digest}\n"));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Dispose();
        }
    }

    /// <summary>Shard files and, from the index, which tensors each should hold (null for a single file).</summary>
    private static (string? Index, List<(string File, HashSet<string>? Expected)>) ShardFiles(string folder)
    {
        var indexPath = Path.Combine(folder, IndexFileName);
        if (!File.Exists(indexPath))
        {
            if (!File.Exists(Path.Combine(folder, SingleFile)))
            {
                throw new LopException(ErrorCodes.MissingTensor,
                    $"{folder} has neither {SingleFile} nor {IndexFileName}; only safetensors checkpoints are supported (convert .bin files with Hugging Face's save_pretrained(safe_serialization=True)).",
                    Path.Combine(folder, SingleFile));
            }
            return (null, [(SingleFile, null)]);
        }
        if (ParseJson(File.ReadAllBytes(indexPath), indexPath, ErrorCodes.InvalidShardIndex) is not JsonObject index
            || index["weight_map"] is not JsonObject map)
        {
            throw new LopException(ErrorCodes.InvalidShardIndex, $"{IndexFileName} has no \"weight_map\" object.", indexPath);
        }
        var byFile = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (tensor, node) in map)
        {
            if (node is not JsonValue value || !value.TryGetValue<string>(out var fileName)
                || fileName.Contains('/') || fileName.Contains('\\') || fileName == ".." || !fileName.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                throw new LopException(ErrorCodes.InvalidShardIndex, $"weight_map entry for {tensor} is not a .safetensors file name in the model folder.", indexPath);
            }
            if (!File.Exists(Path.Combine(folder, fileName)))
            {
                throw new LopException(ErrorCodes.InvalidShardIndex, $"shard {fileName} (holding {tensor}) is listed in {IndexFileName} but missing from {folder}; the download is incomplete.", indexPath);
            }
            if (!byFile.TryGetValue(fileName, out var set))
            {
                byFile[fileName] = set = new HashSet<string>(StringComparer.Ordinal);
            }
            set.Add(tensor);
        }
        return (indexPath, byFile.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, (HashSet<string>?)p.Value)).ToList());
    }

    private static List<CheckpointShard> CheckShards(List<(string File, HashSet<string>? Expected)> shardFiles, Dictionary<string, SafetensorsFile> files, string? indexFile)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var shards = new List<CheckpointShard>();
        foreach (var (fileName, expected) in shardFiles)
        {
            var file = files[fileName];
            foreach (var name in expected ?? [])
            {
                if (!file.Tensors.ContainsKey(name))
                {
                    throw new LopException(ErrorCodes.MissingTensor,
                        $"tensor {name} is mapped to {fileName} by {IndexFileName} but that file does not contain it; the download is incomplete or mixed.", file.Path);
                }
            }
            foreach (var info in file.OrderedTensors)
            {
                if (seen.TryGetValue(info.Name, out var other))
                {
                    throw new LopException(ErrorCodes.InvalidShardIndex,
                        $"tensor {info.Name} is stored in both {other} and {fileName}; remove the stale shard.", indexFile ?? file.Path);
                }
                seen[info.Name] = fileName;
            }
            shards.Add(new CheckpointShard(fileName, file.OrderedTensors.Select(t => t.Name).ToList()));
        }
        return shards;
    }

    private static JsonNode? ParseJson(byte[] bytes, string path, string code)
    {
        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is long line ? $" at line {line + 1}" : "";
            throw new LopException(code, $"{Path.GetFileName(path)} is not valid JSON{where}: {e.Message}",
                path, e.LineNumber is long l ? (int)l + 1 : null, e.BytePositionInLine is long c ? (int)c + 1 : null);
        }
    }
}
