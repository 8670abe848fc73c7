using System.Buffers.Binary;

namespace Lop.Native;

/// <summary>A symbol version one library needs from another, e.g. (<c>libstdc++.so.6</c>, <c>GLIBCXX_3.4.32</c>).</summary>
internal sealed record VersionNeed(string Library, string Version);

/// <summary>One <c>Elf64_Vernaux</c> and where its parts live, so the patch can rewrite it in place.</summary>
internal sealed record VernauxEntry(
    VersionNeed Need,
    uint Hash,
    ushort Index,
    long AuxOffset,
    uint NameOffset,
    uint FileNameOffset,
    ElfSection StringTable);

/// <summary>One <c>Elf64_Verdef</c>: its name and the string offsets of all its <c>Verdaux</c> names.</summary>
internal sealed record VersionDefinition(string Name, bool IsBase, IReadOnlyList<uint> NameOffsets, ElfSection StringTable);

/// <summary>
/// Reads the GNU symbol-versioning sections: what a library needs (<c>.gnu.version_r</c>, SHT_GNU_verneed)
/// and what it provides (<c>.gnu.version_d</c>, SHT_GNU_verdef). These records, not the symbols, are what
/// makes the dynamic linker refuse a library with "version `GLIBCXX_3.4.32' not found".
/// </summary>
internal static class ElfVersionNeeds
{
    private const ushort VerFlagBase = 1;

    public static IReadOnlyList<VersionNeed> ReadNeeds(string path) =>
        ReadNeedEntries(ElfImage.FromFile(path)).Select(e => e.Need).ToList();

    /// <summary>Version names a library defines (without the base entry, which is its own soname).</summary>
    public static IReadOnlySet<string> ReadDefinitions(string path) =>
        ReadDefinitionEntries(ElfImage.FromFile(path)).Where(d => !d.IsBase).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);

    public static IReadOnlyList<VernauxEntry> ReadNeedEntries(ElfImage image)
    {
        var entries = new List<VernauxEntry>();
        foreach (ElfSection section in image.Sections.Where(s => s.Type == ElfImage.ShtGnuVerneed))
        {
            ElfSection strtab = image.SectionAt(section.Link);
            byte[] strings = image.ReadSection(strtab);
            byte[] data = image.ReadSection(section);
            long offset = 0;
            // sh_info holds the entry count; the bound also stops a malformed vn_next cycle.
            for (uint i = 0; i < section.Info; i++)
            {
                Span<byte> vn = Slice(data, offset, 16, image.Name);
                ushort count = BinaryPrimitives.ReadUInt16LittleEndian(vn[2..]);
                uint file = BinaryPrimitives.ReadUInt32LittleEndian(vn[4..]);
                uint aux = BinaryPrimitives.ReadUInt32LittleEndian(vn[8..]);
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(vn[12..]);
                string library = ElfImage.StringAt(strings, file);
                long auxOffset = offset + aux;
                for (int j = 0; j < count; j++)
                {
                    Span<byte> va = Slice(data, auxOffset, 16, image.Name);
                    uint name = BinaryPrimitives.ReadUInt32LittleEndian(va[8..]);
                    entries.Add(new VernauxEntry(
                        new VersionNeed(library, ElfImage.StringAt(strings, name)),
                        Hash: BinaryPrimitives.ReadUInt32LittleEndian(va),
                        Index: BinaryPrimitives.ReadUInt16LittleEndian(va[6..]),
                        AuxOffset: section.Offset + auxOffset,
                        NameOffset: name,
                        FileNameOffset: file,
                        StringTable: strtab));
                    auxOffset += BinaryPrimitives.ReadUInt32LittleEndian(va[12..]);
                }
                if (next == 0)
                {
                    break;
                }
                offset += next;
            }
        }
        return entries;
    }

    public static IReadOnlyList<VersionDefinition> ReadDefinitionEntries(ElfImage image)
    {
        var definitions = new List<VersionDefinition>();
        foreach (ElfSection section in image.Sections.Where(s => s.Type == ElfImage.ShtGnuVerdef))
        {
            ElfSection strtab = image.SectionAt(section.Link);
            byte[] strings = image.ReadSection(strtab);
            byte[] data = image.ReadSection(section);
            long offset = 0;
            for (uint i = 0; i < section.Info; i++)
            {
                Span<byte> vd = Slice(data, offset, 20, image.Name);
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(vd[2..]);
                ushort count = BinaryPrimitives.ReadUInt16LittleEndian(vd[6..]);
                uint aux = BinaryPrimitives.ReadUInt32LittleEndian(vd[12..]);
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(vd[16..]);
                var names = new List<uint>();
                long auxOffset = offset + aux;
                for (int j = 0; j < count; j++)
                {
                    Span<byte> va = Slice(data, auxOffset, 8, image.Name);
                    names.Add(BinaryPrimitives.ReadUInt32LittleEndian(va));
                    auxOffset += BinaryPrimitives.ReadUInt32LittleEndian(va[4..]);
                }
                if (names.Count > 0)
                {
                    definitions.Add(new VersionDefinition(ElfImage.StringAt(strings, names[0]), (flags & VerFlagBase) != 0, names, strtab));
                }
                if (next == 0)
                {
                    break;
                }
                offset += next;
            }
        }
        return definitions;
    }

    /// <summary>The SysV ELF hash that <c>vna_hash</c> must hold; ld.so compares it before the name.</summary>
    public static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (char c in name)
        {
            h = (h << 4) + (byte)c;
            uint g = h & 0xf0000000;
            if (g != 0)
            {
                h ^= g >> 24;
            }
            h &= ~g;
        }
        return h;
    }

    private static Span<byte> Slice(byte[] data, long offset, int length, string name) =>
        offset >= 0 && offset <= data.Length - length
            ? data.AsSpan((int)offset, length)
            : throw new InvalidDataException($"{name}: version record at {offset} runs past its section.");
}
