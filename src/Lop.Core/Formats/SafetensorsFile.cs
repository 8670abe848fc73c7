using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using Lop.Core.Errors;

namespace Lop.Core.Formats;

/// <summary>
/// A safetensors file opened for reading: 8-byte little-endian header length, JSON header, raw tensor
/// bytes. The data is memory-mapped read-only, so opening a 15 GB checkpoint costs no RAM; bytes are
/// paged in only when a tensor is read.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>Headers above this are refused before allocation (the reference implementation's limit is 100 MB).</summary>
    private const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;

    private SafetensorsFile(string path, long dataOffset, long length, SafetensorsHeader header)
    {
        Path = path;
        DataOffset = dataOffset;
        Length = length;
        Tensors = header.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        OrderedTensors = header.Tensors;
        Metadata = header.Metadata;
        if (length > 0)
        {
            _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _view = _map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            _base = pointer + _view.PointerOffset;
        }
    }

    public string Path { get; }

    /// <summary>Absolute file offset of the data section.</summary>
    public long DataOffset { get; }

    public long Length { get; }

    public IReadOnlyDictionary<string, TensorInfo> Tensors { get; }

    /// <summary>Tensors in the order their bytes appear.</summary>
    public IReadOnlyList<TensorInfo> OrderedTensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new LopException(ErrorCodes.MissingTensor, $"{path} does not exist.", path);
        }
        long length;
        byte[] headerBytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            length = stream.Length;
            if (length < 8)
            {
                throw new LopException(ErrorCodes.TruncatedFile,
                    $"{System.IO.Path.GetFileName(path)} has {length} bytes, fewer than the 8-byte header length of a safetensors file; it is truncated: re-download it.", path);
            }
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > (ulong)(length - 8))
            {
                throw new LopException(ErrorCodes.HeaderPastEnd,
                    $"{System.IO.Path.GetFileName(path)} declares a {headerLength}-byte header but only {length - 8} bytes follow; the file is truncated or not safetensors.", path);
            }
            if ((long)headerLength > MaxHeaderBytes)
            {
                throw new LopException(ErrorCodes.InvalidHeader,
                    $"{System.IO.Path.GetFileName(path)} declares a {headerLength}-byte header, above the format's 100 MB limit; the file is corrupt.", path);
            }
            headerBytes = new byte[headerLength];
            stream.ReadExactly(headerBytes);
        }
        var dataOffset = 8 + headerBytes.LongLength;
        var header = SafetensorsHeader.Parse(headerBytes, length - dataOffset, path);
        return new SafetensorsFile(path, dataOffset, length, header);
    }

    /// <summary>
    /// <paramref name="length"/> bytes of a tensor from <paramref name="offset"/> within it, straight
    /// from the mapping (no copy). Spans are int-sized, so large tensors are read in chunks.
    /// </summary>
    public ReadOnlySpan<byte> Span(TensorInfo tensor, long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > tensor.ByteLength)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{offset}+{length} is outside tensor {tensor.Name} ({tensor.ByteLength} bytes)");
        }
        ObjectDisposedException.ThrowIf(_view is null && length > 0, this);
        return new ReadOnlySpan<byte>(_base + DataOffset + tensor.DataBegin + offset, length);
    }

    /// <summary>
    /// Drops a tensor's pages from this process's mapping (they stay in the OS page cache). Streaming a
    /// large checkpoint would otherwise leave every page read counted in the process's resident set.
    /// </summary>
    public void ReleasePages(TensorInfo tensor) => ReleasePages(tensor, 0, tensor.ByteLength);

    /// <summary>As <see cref="ReleasePages(TensorInfo)"/>, for the part of a tensor already consumed (large tensors are streamed in chunks).</summary>
    public void ReleasePages(TensorInfo tensor, long offset, long length)
    {
        if (_view is null || !OperatingSystem.IsLinux() || length <= 0)
        {
            return;
        }
        const long page = 4096;
        var start = (long)(_base + DataOffset + tensor.DataBegin + offset);
        var alignedStart = start & ~(page - 1);
        _ = NativeMethods.madvise((IntPtr)alignedStart, (UIntPtr)(ulong)(start - alignedStart + length), NativeMethods.MadviseDontNeed);
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }

    private static class NativeMethods
    {
        public const int MadviseDontNeed = 4;

        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int madvise(IntPtr address, UIntPtr length, int advice);
    }
}
