using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Lop.Core.Errors;

namespace Lop.Core.Formats;

/// <summary>
/// Streams a safetensors file: the header is computed up front from the entries, then each tensor's
/// bytes are written in order, in as many chunks as the caller likes. Writes go to a temporary file
/// beside the destination; <see cref="Commit"/> renames it into place, and disposing without a commit
/// deletes it, so a failure never leaves a half-written file under the real name.
/// </summary>
public sealed class SafetensorsWriter : IDisposable
{
    private readonly string _destination;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly IReadOnlyList<TensorEntry> _entries;
    private int _current;
    private long _writtenInCurrent;
    private bool _committed;

    public SafetensorsWriter(string destination, IReadOnlyList<TensorEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        _destination = destination;
        _entries = entries;
        _temporary = destination + $".tmp-{Guid.NewGuid():N}";
        var header = HeaderBytes(entries, metadata);
        try
        {
            _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.OutputNotWritable, $"cannot write {destination}: {e.Message}", destination, inner: e);
        }
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        _stream.Write(prefix);
        _stream.Write(header);
        TotalBytes = 8 + header.Length + entries.Sum(e => e.ByteLength);
        SkipEmpty();
    }

    /// <summary>Size of the finished file in bytes.</summary>
    public long TotalBytes { get; }

    /// <summary>Appends bytes of tensor <paramref name="name"/>, which must be the next one due.</summary>
    public void WriteTensorData(string name, ReadOnlySpan<byte> data)
    {
        if (_current >= _entries.Count || _entries[_current].Name != name)
        {
            throw new InvalidOperationException($"tensor {name} written out of order; expected {(_current < _entries.Count ? _entries[_current].Name : "no more tensors")}");
        }
        var entry = _entries[_current];
        if (_writtenInCurrent + data.Length > entry.ByteLength)
        {
            throw new InvalidOperationException($"tensor {name} received more than its {entry.ByteLength} bytes");
        }
        _stream.Write(data);
        _writtenInCurrent += data.Length;
        if (_writtenInCurrent == entry.ByteLength)
        {
            _current++;
            _writtenInCurrent = 0;
            SkipEmpty();
        }
    }

    public void Commit()
    {
        if (_current != _entries.Count)
        {
            throw new InvalidOperationException($"commit before every tensor was written (next: {_entries[_current].Name})");
        }
        _stream.Flush(flushToDisk: false);
        _stream.Dispose();
        File.Move(_temporary, _destination, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!_committed && File.Exists(_temporary))
        {
            File.Delete(_temporary);
        }
    }

    /// <summary>Zero-element tensors have no bytes to wait for.</summary>
    private void SkipEmpty()
    {
        while (_current < _entries.Count && _entries[_current].ByteLength == 0)
        {
            _current++;
        }
    }

    /// <summary>The JSON header, space-padded to a multiple of 8 bytes as the reference implementation writes it (aligned data).</summary>
    internal static byte[] HeaderBytes(IReadOnlyList<TensorEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = new JsonObject(metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value)));
        }
        long offset = 0;
        foreach (var entry in entries)
        {
            header[entry.Name] = new JsonObject
            {
                ["dtype"] = entry.DType.ToString(),
                ["shape"] = new JsonArray(entry.Shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + entry.ByteLength),
            };
            offset += entry.ByteLength;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;
        var bytes = new byte[padded];
        json.CopyTo(bytes, 0);
        bytes.AsSpan(json.Length).Fill((byte)' ');
        return bytes;
    }
}
