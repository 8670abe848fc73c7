using System.Buffers.Binary;
using System.Text;

namespace Lop.Core.Native;

/// <summary>One symbol version a shared library needs from another (an Elf64_Vernaux entry).</summary>
internal readonly record struct VersionNeed(string Library, string Version, int NameOffset, int HashOffset);

/// <summary>
/// Just enough ELF64 (little-endian) to read which symbol versions a shared library needs
/// (SHT_GNU_verneed) and which it defines (SHT_GNU_verdef). That is what decides whether the dynamic
/// linker will load it, and what lets us name the real cause when it will not.
/// </summary>
internal static class ElfVersions
{
    private const uint VerdefSection = 0x6ffffffd;
    private const uint VerneedSection = 0x6ffffffe;

    public static IReadOnlyList<VersionNeed> Needs(ReadOnlySpan<byte> elf)
    {
        var needs = new List<VersionNeed>();
        foreach (var section in Sections(elf).Where(s => s.Type == VerneedSection))
        {
            var strings = Sections(elf)[(int)section.Link];
            var entry = (int)section.Offset;
            for (var i = 0; i < section.Info; i++)
            {
                var count = U16(elf, entry + 2);
                var library = String(elf, strings, U32(elf, entry + 4));
                var aux = entry + (int)U32(elf, entry + 8);
                for (var j = 0; j < count; j++)
                {
                    var nameIndex = U32(elf, aux + 8);
                    needs.Add(new VersionNeed(library, String(elf, strings, nameIndex), (int)(strings.Offset + nameIndex), aux));
                    aux += (int)U32(elf, aux + 12);
                }
                entry += (int)U32(elf, entry + 12);
            }
        }
        return needs;
    }

    public static IReadOnlySet<string> Definitions(ReadOnlySpan<byte> elf)
    {
        var versions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in Sections(elf).Where(s => s.Type == VerdefSection))
        {
            var strings = Sections(elf)[(int)section.Link];
            var entry = (int)section.Offset;
            for (var i = 0; i < section.Info; i++)
            {
                var aux = entry + (int)U32(elf, entry + 12);
                versions.Add(String(elf, strings, U32(elf, aux)));
                entry += (int)U32(elf, entry + 16);
            }
        }
        return versions;
    }

    /// <summary>
    /// Rewrites a needed version in place: the name (same length) and its SysV hash, which the
    /// dynamic linker compares before the name. Nothing else in the file changes.
    /// </summary>
    public static void RenameNeed(Span<byte> elf, string from, string to)
    {
        if (from.Length != to.Length)
        {
            throw new ArgumentException("an in-place rename needs names of the same length");
        }
        var matches = Needs(elf).Where(n => n.Version == from).ToList();
        if (matches.Count == 0)
        {
            throw new InvalidOperationException($"no needed version {from}");
        }
        foreach (var need in matches)
        {
            Encoding.ASCII.GetBytes(to).CopyTo(elf[need.NameOffset..]);
            BinaryPrimitives.WriteUInt32LittleEndian(elf[need.HashOffset..], SysVHash(to));
        }
    }

    /// <summary>The classic ELF hash (System V ABI), used by vna_hash and vd_hash.</summary>
    public static uint SysVHash(string name)
    {
        uint h = 0;
        foreach (var c in Encoding.ASCII.GetBytes(name))
        {
            h = (h << 4) + c;
            var g = h & 0xf0000000;
            if (g != 0)
            {
                h ^= g >> 24;
            }
            h &= ~g;
        }
        return h;
    }

    private readonly record struct Section(uint Type, ulong Offset, ulong Size, uint Link, uint Info);

    private static Section[] Sections(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        }
        var offset = (long)U64(elf, 0x28);
        var size = U16(elf, 0x3A);
        var count = U16(elf, 0x3C);
        var sections = new Section[count];
        for (var i = 0; i < count; i++)
        {
            var at = (int)(offset + (long)i * size);
            sections[i] = new Section(U32(elf, at + 4), U64(elf, at + 24), U64(elf, at + 32), U32(elf, at + 40), U32(elf, at + 44));
        }
        return sections;
    }

    private static string String(ReadOnlySpan<byte> elf, Section strings, uint index)
    {
        var start = (int)(strings.Offset + index);
        var length = elf[start..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(elf.Slice(start, length));
    }

    private static ushort U16(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

    private static uint U32(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

    private static ulong U64(ReadOnlySpan<byte> b, int at) => BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
}
