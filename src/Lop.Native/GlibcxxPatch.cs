using System.Buffers.Binary;
using System.Text;

namespace Lop.Native;

/// <summary>
/// Rewrites libLibTorchSharp.so's need for <c>GLIBCXX_3.4.32</c> into a need for <c>GLIBCXX_3.4.30</c>
/// (GCC 12, Debian 12). Safe only because the single symbol bound to 3.4.32,
/// <c>std::ios_base_library_init()</c>, is a link-time marker that GCC 13's &lt;iostream&gt; references
/// and that no relocation uses, so ld.so never resolves it; only the version record blocks the load.
/// Every one of those facts is checked on the actual bytes; if one fails, nothing is patched.
/// The README's "TorchSharp on Debian 12" section says where the patched copy lives and why the
/// package files themselves are never modified.
/// </summary>
internal static class GlibcxxPatch
{
    public const string Library = "libstdc++.so.6";
    public const string From = "GLIBCXX_3.4.32";
    public const string To = "GLIBCXX_3.4.30";
    public const string MarkerSymbol = "_ZSt21ios_base_library_initv";

    private const ushort VersymIndexMask = 0x7fff;
    private const ushort ShnUndef = 0;

    /// <summary>A patched copy of <paramref name="original"/>, or null with the reason it is not safe.</summary>
    public static byte[]? TryPatch(byte[] original, string name, out string? whyNot)
    {
        try
        {
            return Patch(original, name, out whyNot);
        }
        catch (InvalidDataException e)
        {
            whyNot = e.Message;
            return null;
        }
    }

    private static byte[]? Patch(byte[] original, string name, out string? whyNot)
    {
        var image = ElfImage.FromBytes(original, name);
        IReadOnlyList<VernauxEntry> needs = ElfVersionNeeds.ReadNeedEntries(image);
        List<VernauxEntry> targets = needs.Where(n => n.Need.Version == From).ToList();
        if (targets.Count != 1 || targets[0].Need.Library != Library)
        {
            whyNot = $"expected exactly one need for {From} from {Library}, found {targets.Count}";
            return null;
        }
        VernauxEntry target = targets[0];

        ElfSection versym = image.Sections.FirstOrDefault(s => s.Type == ElfImage.ShtGnuVersym);
        if (versym.Type != ElfImage.ShtGnuVersym)
        {
            whyNot = "no .gnu.version section, so the symbols bound to the version cannot be checked";
            return null;
        }
        ElfSection dynsym = image.SectionAt(versym.Link);
        byte[] symbols = image.ReadSection(dynsym);
        byte[] symbolNames = image.ReadSection(image.SectionAt(dynsym.Link));
        byte[] versions = image.ReadSection(versym);
        const int symSize = 24;
        int symbolCount = Math.Min(symbols.Length / symSize, versions.Length / 2);

        var bound = new HashSet<uint>();
        for (int i = 0; i < symbolCount; i++)
        {
            if ((BinaryPrimitives.ReadUInt16LittleEndian(versions.AsSpan(i * 2)) & VersymIndexMask) != target.Index)
            {
                continue;
            }
            ReadOnlySpan<byte> sym = symbols.AsSpan(i * symSize, symSize);
            string symbol = ElfImage.StringAt(symbolNames, BinaryPrimitives.ReadUInt32LittleEndian(sym));
            if (symbol != MarkerSymbol || BinaryPrimitives.ReadUInt16LittleEndian(sym[6..]) != ShnUndef)
            {
                whyNot = $"symbol {symbol} is bound to {From}; only an undefined {MarkerSymbol} is known to be harmless";
                return null;
            }
            bound.Add((uint)i);
        }

        if (UsedByRelocation(image, dynsym, bound) is string relocation)
        {
            whyNot = $"{MarkerSymbol} is used by a relocation in {relocation}, so the dynamic linker would resolve it";
            return null;
        }

        byte[] strings = image.ReadSection(target.StringTable);
        byte[] fromBytes = Encoding.ASCII.GetBytes(From + "\0");
        byte[] toBytes = Encoding.ASCII.GetBytes(To + "\0");
        if (!strings.AsSpan().Slice((int)target.NameOffset).StartsWith(fromBytes))
        {
            whyNot = "the version name is not where its record says";
            return null;
        }

        byte[] patched = (byte[])original.Clone();
        long nameAt = target.StringTable.Offset + target.NameOffset;
        if (!IsShared(image, target, fromBytes.Length - 1))
        {
            // Same length, so overwriting in place moves nothing else in the file.
            toBytes.AsSpan(0, toBytes.Length - 1).CopyTo(patched.AsSpan((int)nameAt));
        }
        else
        {
            // Another reference points into "GLIBCXX_3.4.32"; editing it would rename that too.
            // Point the record at an existing "GLIBCXX_3.4.30" instead (the shim already needs 3.4.30).
            int existing = strings.AsSpan().IndexOf(toBytes);
            if (existing < 0)
            {
                whyNot = $"the string {From} is shared and no {To} string exists to point at";
                return null;
            }
            BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan((int)target.AuxOffset + 8), (uint)existing);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan((int)target.AuxOffset), ElfVersionNeeds.ElfHash(To));
        whyNot = null;
        return patched;
    }

    /// <summary>The name of a relocation section that references one of <paramref name="bound"/>, or null.</summary>
    private static string? UsedByRelocation(ElfImage image, ElfSection dynsym, HashSet<uint> bound)
    {
        foreach (ElfSection section in image.Sections.Where(s => (s.Type == ElfImage.ShtRela || s.Type == ElfImage.ShtRel) && s.Link == dynsym.Index))
        {
            int entrySize = section.Type == ElfImage.ShtRela ? 24 : 16;
            byte[] data = image.ReadSection(section);
            for (int offset = 0; offset + entrySize <= data.Length; offset += entrySize)
            {
                ulong info = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(offset + 8));
                if (bound.Contains((uint)(info >> 32)))
                {
                    return $"section {section.Index}";
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Whether any other reference into the same string table lands inside the target name: linkers
    /// merge strings by suffix, so e.g. a symbol could point at its tail. Covers every place that holds
    /// .dynstr offsets: symbols, version needs and definitions, and the dynamic section's string tags.
    /// </summary>
    private static bool IsShared(ElfImage image, VernauxEntry target, int length)
    {
        uint start = target.NameOffset, end = target.NameOffset + (uint)length;
        bool Inside(uint offset) => offset >= start && offset < end;
        int table = target.StringTable.Index;

        foreach (VernauxEntry need in ElfVersionNeeds.ReadNeedEntries(image).Where(n => n.StringTable.Index == table))
        {
            if ((need.AuxOffset != target.AuxOffset && Inside(need.NameOffset)) || Inside(need.FileNameOffset))
            {
                return true;
            }
        }
        if (ElfVersionNeeds.ReadDefinitionEntries(image).Any(d => d.StringTable.Index == table && d.NameOffsets.Any(Inside)))
        {
            return true;
        }
        foreach (ElfSection symtab in image.Sections.Where(s => s.Type == ElfImage.ShtDynsym && s.Link == table))
        {
            byte[] symbols = image.ReadSection(symtab);
            for (int offset = 0; offset + 24 <= symbols.Length; offset += 24)
            {
                if (Inside(BinaryPrimitives.ReadUInt32LittleEndian(symbols.AsSpan(offset))))
                {
                    return true;
                }
            }
        }
        foreach (ElfSection dynamic in image.Sections.Where(s => s.Type == ElfImage.ShtDynamic && s.Link == table))
        {
            byte[] entries = image.ReadSection(dynamic);
            for (int offset = 0; offset + 16 <= entries.Length; offset += 16)
            {
                long tag = BinaryPrimitives.ReadInt64LittleEndian(entries.AsSpan(offset));
                // DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH, DT_AUXILIARY, DT_FILTER hold string offsets.
                bool isString = tag is 1 or 14 or 15 or 29 or 0x7ffffffd or 0x7fffffff;
                if (isString && Inside((uint)BinaryPrimitives.ReadUInt64LittleEndian(entries.AsSpan(offset + 8))))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
