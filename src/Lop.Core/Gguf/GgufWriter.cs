using System.Buffers.Binary;
using System.Text;
using Lop.Core.Errors;

namespace Lop.Core.Gguf;

/// <summary>
/// A tensor to write: its GGUF name, dimensions in ggml order (innermost first: a PyTorch [out, in]
/// weight is [in, out]), element type, exact byte length, and a callback that streams the bytes.
/// </summary>
public sealed record GgufTensorToWrite(string Name, long[] Dimensions, GgmlType Type, long ByteLength, Action<Stream, CancellationToken> WriteData);

/// <summary>
/// Writes GGUF v3 (ggml's docs/gguf.md): magic, version, counts, typed key/values, tensor infos, then
/// the tensor data, each tensor aligned to <c>general.alignment</c> (32 unless the metadata says
/// otherwise). The whole file goes to a temporary name beside the destination and is renamed into
/// place, so a failure or Ctrl+C never leaves half a model where a loader would find it.
/// </summary>
public static class GgufWriter
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian u32
    public const uint Version = 3;
    public const int DefaultAlignment = 32;

    /// <summary>Writes the file and returns its length in bytes.</summary>
    public static long Write(string path, GgufMetadata metadata, IReadOnlyList<GgufTensorToWrite> tensors,
        Action<int, GgufTensorToWrite>? onTensor = null, CancellationToken cancellation = default)
    {
        var alignment = metadata.TryGet("general.alignment", out var a) ? (int)a.AsInt64() : DefaultAlignment;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(folder);
            long length;
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteHeader(file, metadata, tensors, alignment);
                for (var i = 0; i < tensors.Count; i++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    Pad(file, alignment);
                    var start = file.Position;
                    tensors[i].WriteData(file, cancellation);
                    var written = file.Position - start;
                    if (written != tensors[i].ByteLength)
                    {
                        throw new InvalidOperationException($"tensor {tensors[i].Name} wrote {written} bytes, its info says {tensors[i].ByteLength}");
                    }
                    onTensor?.Invoke(i, tensors[i]);
                }
                length = file.Length;
            }
            File.Move(temporary, path, overwrite: true);
            return length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.OutputNotWritable,
                $"cannot write {path}: {ex.Message} Check that the folder exists, is writable and has room.", path, inner: ex);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    private static void WriteHeader(Stream file, GgufMetadata metadata, IReadOnlyList<GgufTensorToWrite> tensors, int alignment)
    {
        using var header = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        header.Write(Magic);
        header.Write(Version);
        header.Write((ulong)tensors.Count);
        header.Write((ulong)metadata.Entries.Count);
        foreach (var (key, value) in metadata.Entries)
        {
            WriteString(header, key);
            header.Write((uint)value.Type);
            WriteValue(header, value);
        }
        long offset = 0;
        foreach (var tensor in tensors)
        {
            WriteString(header, tensor.Name);
            header.Write((uint)tensor.Dimensions.Length);
            foreach (var dimension in tensor.Dimensions)
            {
                header.Write((ulong)dimension);
            }
            header.Write((uint)tensor.Type);
            header.Write((ulong)offset);
            offset = AlignUp(offset + tensor.ByteLength, alignment);
        }
    }

    internal static long AlignUp(long value, int alignment) => (value + alignment - 1) / alignment * alignment;

    private static void Pad(Stream file, int alignment)
    {
        var padding = (int)(AlignUp(file.Position, alignment) - file.Position);
        Span<byte> zeros = stackalloc byte[padding];
        zeros.Clear();
        file.Write(zeros);
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, GgufValue value)
    {
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(writer, value.Type, value.Value);
            return;
        }
        var items = (Array)value.Value;
        writer.Write((uint)value.ElementType);
        writer.Write((ulong)items.Length);
        if (value.Value is float[] floats)
        {
            // Vocabulary scores of a 150k-token model: write the block at once.
            var bytes = new byte[floats.Length * 4];
            for (var i = 0; i < floats.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), floats[i]);
            }
            writer.Write(bytes);
            return;
        }
        foreach (var item in items)
        {
            WriteScalar(writer, value.ElementType, item!);
        }
    }

    private static void WriteScalar(BinaryWriter writer, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: writer.Write(Convert.ToByte(value)); break;
            case GgufValueType.Int8: writer.Write(Convert.ToSByte(value)); break;
            case GgufValueType.UInt16: writer.Write(Convert.ToUInt16(value)); break;
            case GgufValueType.Int16: writer.Write(Convert.ToInt16(value)); break;
            case GgufValueType.UInt32: writer.Write(Convert.ToUInt32(value)); break;
            case GgufValueType.Int32: writer.Write(Convert.ToInt32(value)); break;
            case GgufValueType.Float32: writer.Write(Convert.ToSingle(value)); break;
            case GgufValueType.Bool: writer.Write((byte)((bool)value ? 1 : 0)); break;
            case GgufValueType.String: WriteString(writer, (string)value); break;
            case GgufValueType.UInt64: writer.Write(Convert.ToUInt64(value)); break;
            case GgufValueType.Int64: writer.Write(Convert.ToInt64(value)); break;
            case GgufValueType.Float64: writer.Write(Convert.ToDouble(value)); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "nested arrays are not written");
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover hidden temporary is harmless and never mistaken for a model.
        }
    }
}
