using System.Text.Json;
using Lop.Core.Errors;

namespace Lop.Core.Formats;

/// <summary>
/// The JSON header of a safetensors file, validated against the data section it describes: every
/// tensor's offsets in range, no two overlapping, and each byte length exactly dtype size x shape.
/// Anything else is a coded error naming the file and the tensor, never an exception from the parser.
/// </summary>
internal sealed class SafetensorsHeader
{
    private SafetensorsHeader(IReadOnlyList<TensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Tensors in data order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw Invalid(file, $"its header is not valid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(file, "its header is not a JSON object");
            }
            var tensors = new List<TensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(property.Value, metadata, file);
                    continue;
                }
                if (!names.Add(property.Name))
                {
                    throw Invalid(file, $"tensor {property.Name} is listed twice");
                }
                tensors.Add(ReadTensor(property.Name, property.Value, dataLength, file));
            }
            tensors.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
            for (var i = 1; i < tensors.Count; i++)
            {
                if (tensors[i].DataBegin < tensors[i - 1].DataEnd)
                {
                    throw new LopException(ErrorCodes.OverlappingTensors,
                        $"tensors {tensors[i - 1].Name} and {tensors[i].Name} overlap in the data section; the file is corrupt: re-download or re-export it.", file);
                }
            }
            return new SafetensorsHeader(tensors, metadata);
        }
    }

    private static TensorInfo ReadTensor(string name, JsonElement value, long dataLength, string file)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Invalid(file, $"the header entry of tensor {name} needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" (two integers)");
        }
        var dtypeText = dtypeElement.GetString()!;
        if (!DTypes.TryParse(dtypeText, out var dtype))
        {
            throw new LopException(ErrorCodes.UnsupportedDType,
                $"tensor {name} has dtype {dtypeText}, which the engine does not support (F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL).", file);
        }
        var shape = new long[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out shape[i]) || shape[i] < 0)
            {
                throw Invalid(file, $"tensor {name} has a shape entry that is not a non-negative integer");
            }
            i++;
        }
        var offsets = offsetsElement.EnumerateArray().ToArray();
        if (!offsets[0].TryGetInt64(out var begin) || !offsets[1].TryGetInt64(out var end) || begin < 0 || end < begin)
        {
            throw new LopException(ErrorCodes.OffsetsOutOfRange,
                $"tensor {name} has data_offsets that are not two integers with 0 <= begin <= end; the file is corrupt.", file);
        }
        if (end > dataLength)
        {
            throw new LopException(ErrorCodes.OffsetsOutOfRange,
                $"tensor {name} ends at byte {end} of the data section, which has only {dataLength} bytes; the file is truncated or corrupt: re-download it.", file);
        }
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * DTypes.SizeOf(dtype));
        }
        catch (OverflowException)
        {
            throw new LopException(ErrorCodes.SizeMismatch, $"tensor {name} has a shape too large to address; the header is corrupt.", file);
        }
        if (end - begin != expected)
        {
            throw new LopException(ErrorCodes.SizeMismatch,
                $"tensor {name} occupies {end - begin} bytes, but {dtypeText} x [{string.Join(", ", shape)}] needs {expected}; the header is corrupt.", file);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(file, "its __metadata__ is not an object of strings");
        }
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw Invalid(file, $"its __metadata__ entry {entry.Name} is not a string");
            }
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static LopException Invalid(string file, string what) =>
        new(ErrorCodes.InvalidHeader, $"{Path.GetFileName(file)} is not a valid safetensors file: {what}.", file);
}
