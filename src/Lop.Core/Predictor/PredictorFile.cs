using System.Text.Json;
using Lop.Core.Errors;
using Lop.Core.Formats;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// A predictor as one safetensors file: F32 weights under their state-dict names, the
/// <see cref="PredictorMetadata"/> as JSON under <c>__metadata__["lop_predictor"]</c>. The writer goes
/// through a temporary file and a rename, so a crash never leaves a half-written predictor.
/// </summary>
internal static class PredictorFile
{
    public const string MetadataKey = "lop_predictor";

    public static void Save(string path, PredictorNetwork network, PredictorMetadata metadata)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }
        var parameters = network.named_parameters().ToList();
        var entries = parameters.Select(p => new TensorEntry(p.name, DType.F32, p.parameter.shape)).ToList();
        var header = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [MetadataKey] = JsonSerializer.Serialize(metadata, PredictorMetadata.Json),
        };
        using var writer = new SafetensorsWriter(path, entries, header);
        foreach (var (name, parameter) in parameters)
        {
            using var contiguous = parameter.detach().to(ScalarType.Float32).contiguous();
            writer.WriteTensorData(name, contiguous.bytes);
        }
        writer.Commit();
    }

    public static (PredictorNetwork Network, PredictorMetadata Metadata) Load(string path)
    {
        Native.TorchRuntime.EnsureLoaded();
        using var file = SafetensorsFile.Open(path);
        var metadata = ReadMetadata(file);
        PredictorNetwork network;
        try
        {
            network = PredictorNetwork.Create(metadata.LayerCount, metadata.Settings);
        }
        catch (ArgumentException e)
        {
            throw new LopException(ErrorCodes.InvalidHeader, $"the predictor metadata of {Path.GetFileName(path)} describes no valid network: {e.Message}", path, inner: e);
        }
        var expected = network.named_parameters().ToList();
        var extra = file.Tensors.Keys.Except(expected.Select(p => p.name), StringComparer.Ordinal).Order(StringComparer.Ordinal).FirstOrDefault();
        if (extra is not null)
        {
            throw new LopException(ErrorCodes.ShapeMismatch,
                $"predictor {Path.GetFileName(path)} holds tensor {extra}, which a {metadata.Settings.Architecture} predictor does not have; the file is corrupt or from another version.", path);
        }
        using (no_grad())
        {
            foreach (var (name, parameter) in expected)
            {
                if (!file.Tensors.TryGetValue(name, out var info))
                {
                    throw new LopException(ErrorCodes.MissingTensor,
                        $"predictor {Path.GetFileName(path)} lacks tensor {name}; the file is corrupt or from another version.", path);
                }
                if (info.DType != DType.F32 || !info.Shape.SequenceEqual(parameter.shape))
                {
                    throw new LopException(ErrorCodes.ShapeMismatch,
                        $"predictor tensor {name} is {info.DType}[{string.Join(", ", info.Shape)}] but its settings imply F32[{string.Join(", ", parameter.shape)}]; the file is corrupt.", path);
                }
                using var scope = NewDisposeScope();
                var loaded = empty(info.Shape, dtype: ScalarType.Float32);
                file.Span(info, 0, checked((int)info.ByteLength)).CopyTo(loaded.bytes);
                parameter.copy_(loaded);
            }
        }
        network.eval();
        return (network, metadata);
    }

    private static PredictorMetadata ReadMetadata(SafetensorsFile file)
    {
        if (!file.Metadata.TryGetValue(MetadataKey, out var json))
        {
            throw new LopException(ErrorCodes.InvalidHeader,
                $"{Path.GetFileName(file.Path)} is a safetensors file but not a Lop predictor (no {MetadataKey} in its metadata).", file.Path);
        }
        PredictorMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<PredictorMetadata>(json, PredictorMetadata.Json);
        }
        catch (JsonException e)
        {
            throw new LopException(ErrorCodes.InvalidHeader, $"the predictor metadata of {Path.GetFileName(file.Path)} is not valid: {e.Message}", file.Path, inner: e);
        }
        if (metadata is null || metadata.Schema != PredictorMetadata.CurrentSchema)
        {
            throw new LopException(ErrorCodes.InvalidHeader,
                $"the predictor metadata of {Path.GetFileName(file.Path)} has schema {metadata?.Schema.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"}; this engine reads schema {PredictorMetadata.CurrentSchema}. Retrain the predictor.", file.Path);
        }
        return metadata;
    }
}
