using System.Text;
using Lop.Core.Errors;

namespace Lop.Core.Gguf;

/// <summary>A tensor as a GGUF file describes it; <see cref="Offset"/> is relative to the data section.</summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, long Offset)
{
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    public long ByteLength => GgmlTypes.ByteLength(Type, ElementCount, Dimensions[0]);
}

/// <summary>
/// The header of a GGUF file: metadata and tensor infos, read and checked (bounds, known types,
/// tensors inside the file) without touching the tensor data. Used to report what an export
/// produced (architecture, per-tensor types after quantization) and by tests.
/// </summary>
public sealed class GgufFile
{
    private GgufFile(string path, uint version, GgufMetadata metadata, IReadOnlyList<GgufTensorInfo> tensors, long dataOffset, long length)
    {
        Path = path;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataOffset = dataOffset;
        Length = length;
    }

    public string Path { get; }
    public uint Version { get; }
    public GgufMetadata Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public long DataOffset { get; }
    public long Length { get; }

    public string? Architecture => Metadata.GetString("general.architecture");

    public GgufTensorInfo Tensor(string name) => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"{Path} has no tensor {name}");

    public static GgufFile Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (stream.Length < 24 || reader.ReadUInt32() != GgufWriter.Magic)
            {
                throw Invalid(path, "it does not start with the GGUF magic; it is not a GGUF file");
            }
            var version = reader.ReadUInt32();
            if (version is < 2 or > 3)
            {
                throw Invalid(path, $"GGUF version {version} is not supported (2 or 3)");
            }
            var tensorCount = reader.ReadUInt64();
            var keyCount = reader.ReadUInt64();
            if (tensorCount > 1_000_000 || keyCount > 1_000_000)
            {
                throw Invalid(path, $"it declares {tensorCount} tensors and {keyCount} keys; the header is corrupt");
            }
            var metadata = new GgufMetadata();
            for (ulong i = 0; i < keyCount; i++)
            {
                var key = ReadString(reader, stream, path);
                metadata[key] = ReadValue(reader, stream, path, (GgufValueType)reader.ReadUInt32(), key);
            }
            var tensors = new List<GgufTensorInfo>();
            for (ulong i = 0; i < tensorCount; i++)
            {
                var name = ReadString(reader, stream, path);
                var rank = reader.ReadUInt32();
                if (rank is 0 or > 4)
                {
                    throw Invalid(path, $"tensor {name} has {rank} dimensions");
                }
                var dimensions = new long[rank];
                for (var d = 0; d < rank; d++)
                {
                    dimensions[d] = (long)reader.ReadUInt64();
                }
                var type = reader.ReadUInt32();
                if (!GgmlTypes.IsKnown(type))
                {
                    throw Invalid(path, $"tensor {name} has ggml type {type}, which Lop.Build does not know");
                }
                tensors.Add(new GgufTensorInfo(name, dimensions, (GgmlType)type, (long)reader.ReadUInt64()));
            }
            var alignment = metadata.TryGet("general.alignment", out var a) ? (int)a.AsInt64() : GgufWriter.DefaultAlignment;
            var dataOffset = GgufWriter.AlignUp(stream.Position, alignment);
            foreach (var tensor in tensors)
            {
                if (dataOffset + tensor.Offset + tensor.ByteLength > stream.Length)
                {
                    throw Invalid(path, $"tensor {tensor.Name} ends at byte {dataOffset + tensor.Offset + tensor.ByteLength}, past the end of the file ({stream.Length} bytes); the file is truncated");
                }
            }
            return new GgufFile(path, version, metadata, tensors, dataOffset, stream.Length);
        }
        catch (EndOfStreamException)
        {
            throw Invalid(path, "the header ends early; the file is truncated");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.GgufInvalid, $"cannot read {path}: {ex.Message}", path, inner: ex);
        }
    }

    private static LopException Invalid(string path, string why) =>
        new(ErrorCodes.GgufInvalid, $"{System.IO.Path.GetFileName(path)} is not a usable GGUF file: {why}. Export it again with 'dotnet lop export'.", path);

    private static string ReadString(BinaryReader reader, Stream stream, string path)
    {
        var length = reader.ReadUInt64();
        if (length > (ulong)(stream.Length - stream.Position))
        {
            throw Invalid(path, $"a {length}-byte string runs past the end of the file");
        }
        return Encoding.UTF8.GetString(reader.ReadBytes((int)length));
    }

    private static GgufValue ReadValue(BinaryReader reader, Stream stream, string path, GgufValueType type, string key)
    {
        if (type != GgufValueType.Array)
        {
            return new GgufValue(type, ReadScalar(reader, stream, path, type, key));
        }
        var elementType = (GgufValueType)reader.ReadUInt32();
        var count = reader.ReadUInt64();
        if (count > (ulong)(stream.Length - stream.Position))
        {
            throw Invalid(path, $"array {key} declares {count} elements, more than the file holds");
        }
        object items = elementType switch
        {
            GgufValueType.String => Enumerable.Range(0, (int)count).Select(_ => ReadString(reader, stream, path)).ToArray(),
            GgufValueType.Int32 => Enumerable.Range(0, (int)count).Select(_ => reader.ReadInt32()).ToArray(),
            GgufValueType.UInt32 => Enumerable.Range(0, (int)count).Select(_ => reader.ReadUInt32()).ToArray(),
            GgufValueType.Float32 => Enumerable.Range(0, (int)count).Select(_ => reader.ReadSingle()).ToArray(),
            _ => Enumerable.Range(0, (int)count).Select(_ => ReadScalar(reader, stream, path, elementType, key)).ToArray(),
        };
        return new GgufValue(GgufValueType.Array, items, elementType);
    }

    private static object ReadScalar(BinaryReader reader, Stream stream, string path, GgufValueType type, string key) => type switch
    {
        GgufValueType.UInt8 => reader.ReadByte(),
        GgufValueType.Int8 => reader.ReadSByte(),
        GgufValueType.UInt16 => reader.ReadUInt16(),
        GgufValueType.Int16 => reader.ReadInt16(),
        GgufValueType.UInt32 => reader.ReadUInt32(),
        GgufValueType.Int32 => reader.ReadInt32(),
        GgufValueType.Float32 => reader.ReadSingle(),
        GgufValueType.Bool => reader.ReadByte() != 0,
        GgufValueType.String => ReadString(reader, stream, path),
        GgufValueType.UInt64 => reader.ReadUInt64(),
        GgufValueType.Int64 => reader.ReadInt64(),
        GgufValueType.Float64 => reader.ReadDouble(),
        _ => throw Invalid(path, $"key {key} has value type {(uint)type}"),
    };
}
