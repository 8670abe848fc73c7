using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Lop.Native;

/// <summary>One section header of an ELF64 file; offsets are file offsets.</summary>
internal readonly record struct ElfSection(int Index, uint Type, long Offset, long Size, uint Link, uint Info, long EntrySize);

/// <summary>
/// Just enough of an ELF64 little-endian reader to walk section headers and read whole sections.
/// Reads lazily, because libtorch_cpu.so is ~460 MB and diagnosis only needs a few small sections of it.
/// Throws <see cref="InvalidDataException"/> on anything malformed; callers turn that into a diagnosis.
/// </summary>
internal sealed class ElfImage
{
    public const uint ShtStrtab = 3, ShtRela = 4, ShtDynamic = 6, ShtRel = 9, ShtDynsym = 11;
    public const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

    private const int SectionHeaderSize = 64;
    private readonly Func<long, int, byte[]> _readAt;

    private ElfImage(string name, long length, Func<long, int, byte[]> readAt)
    {
        Name = name;
        Length = length;
        _readAt = readAt;
        Sections = ReadSectionHeaders();
    }

    /// <summary>Where the bytes came from, for messages.</summary>
    public string Name { get; }

    public long Length { get; }

    public IReadOnlyList<ElfSection> Sections { get; }

    public static ElfImage FromBytes(byte[] bytes, string name) =>
        new(name, bytes.LongLength, (offset, count) => bytes.AsSpan(checked((int)offset), count).ToArray());

    /// <summary>Reads on demand; the file is opened per read so the image holds no handle.</summary>
    public static ElfImage FromFile(string path)
    {
        long length = new FileInfo(path).Length;
        return new ElfImage(path, length, (offset, count) =>
        {
            using SafeFileHandle handle = File.OpenHandle(path);
            var buffer = new byte[count];
            int done = 0;
            while (done < count)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(done), offset + done);
                if (n == 0)
                {
                    throw new InvalidDataException($"{path}: unexpected end of file.");
                }
                done += n;
            }
            return buffer;
        });
    }

    public byte[] Read(long offset, long count)
    {
        if (offset < 0 || count < 0 || count > int.MaxValue || offset > Length - count)
        {
            throw new InvalidDataException($"{Name}: range {offset}+{count} lies outside the file.");
        }
        return _readAt(offset, (int)count);
    }

    public byte[] ReadSection(ElfSection section) => Read(section.Offset, section.Size);

    public ElfSection SectionAt(uint index) =>
        index < Sections.Count ? Sections[(int)index] : throw new InvalidDataException($"{Name}: section index {index} out of range.");

    /// <summary>A NUL-terminated string at <paramref name="offset"/> inside a string table's bytes.</summary>
    public static string StringAt(byte[] table, uint offset)
    {
        if (offset >= table.Length)
        {
            throw new InvalidDataException($"string offset {offset} outside its table.");
        }
        int end = Array.IndexOf(table, (byte)0, (int)offset);
        if (end < 0)
        {
            throw new InvalidDataException($"unterminated string at offset {offset}.");
        }
        return Encoding.ASCII.GetString(table, (int)offset, end - (int)offset);
    }

    private List<ElfSection> ReadSectionHeaders()
    {
        byte[] header = Read(0, 64);
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
        {
            throw new InvalidDataException($"{Name}: not an ELF file.");
        }
        if (header[4] != 2 || header[5] != 1)
        {
            throw new InvalidDataException($"{Name}: not a 64-bit little-endian ELF file.");
        }
        long shoff = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(0x28)));
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3A));
        long shnum = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x3C));
        if (shoff == 0)
        {
            throw new InvalidDataException($"{Name}: has no section headers.");
        }
        if (shentsize < SectionHeaderSize)
        {
            throw new InvalidDataException($"{Name}: section header size {shentsize} is too small.");
        }
        if (shnum == 0)
        {
            // Extended numbering: the real count lives in section 0's sh_size.
            shnum = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(Read(shoff, SectionHeaderSize).AsSpan(32)));
        }
        byte[] table = Read(shoff, checked(shnum * shentsize));
        var sections = new List<ElfSection>((int)shnum);
        for (int i = 0; i < shnum; i++)
        {
            ReadOnlySpan<byte> h = table.AsSpan(i * shentsize, SectionHeaderSize);
            sections.Add(new ElfSection(
                Index: i,
                Type: BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                Offset: checked((long)BinaryPrimitives.ReadUInt64LittleEndian(h[24..])),
                Size: checked((long)BinaryPrimitives.ReadUInt64LittleEndian(h[32..])),
                Link: BinaryPrimitives.ReadUInt32LittleEndian(h[40..]),
                Info: BinaryPrimitives.ReadUInt32LittleEndian(h[44..]),
                EntrySize: checked((long)BinaryPrimitives.ReadUInt64LittleEndian(h[56..]))));
        }
        return sections;
    }
}
