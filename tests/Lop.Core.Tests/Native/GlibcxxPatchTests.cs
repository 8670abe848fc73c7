using System.Buffers.Binary;
using Lop.Native;

namespace Lop.Core.Tests.Native;

public class GlibcxxPatchTests
{
    [Fact]
    public void Patched_copy_needs_3_4_30_instead_of_3_4_32_and_differs_only_in_that_record()
    {
        string shim = NativeFiles.Shim();
        byte[] original = File.ReadAllBytes(shim);
        VernauxEntry before = ElfVersionNeeds.ReadNeedEntries(ElfImage.FromBytes(original, shim))
            .Single(e => e.Need.Version == "GLIBCXX_3.4.32");

        byte[]? patched = GlibcxxPatch.TryPatch(original, shim, out string? whyNot);

        Assert.True(patched is not null, whyNot);
        Assert.Equal(original.Length, patched.Length);
        IReadOnlyList<VernauxEntry> after = ElfVersionNeeds.ReadNeedEntries(ElfImage.FromBytes(patched, "patched"));
        Assert.DoesNotContain(after, e => e.Need.Version == "GLIBCXX_3.4.32");
        VernauxEntry rewritten = after.Single(e => e.AuxOffset == before.AuxOffset);
        Assert.Equal(new VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.30"), rewritten.Need);
        Assert.Equal(ElfVersionNeeds.ElfHash("GLIBCXX_3.4.30"), rewritten.Hash);
        Assert.Equal(ElfVersionNeeds.ElfHash("GLIBCXX_3.4.30"), BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan((int)before.AuxOffset)));
        Assert.Equal(before.Index, rewritten.Index);

        long nameAt = before.StringTable.Offset + before.NameOffset;
        var allowed = Enumerable.Range(0, 14).Select(i => nameAt + i)
            .Concat(Enumerable.Range(0, 4).Select(i => before.AuxOffset + i))
            .ToHashSet();
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).Select(i => (long)i).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, i => Assert.Contains(i, allowed));
        // Every other need is untouched.
        var others = ElfVersionNeeds.ReadNeedEntries(ElfImage.FromBytes(original, shim)).Where(e => e.AuxOffset != before.AuxOffset);
        Assert.All(others, e => Assert.Contains(after, a => a.AuxOffset == e.AuxOffset && a.Need == e.Need && a.Hash == e.Hash));
    }

    [Fact]
    public void An_already_patched_file_is_not_patched_again()
    {
        string shim = NativeFiles.Shim();
        byte[] patched = GlibcxxPatch.TryPatch(File.ReadAllBytes(shim), shim, out _)!;

        byte[]? twice = GlibcxxPatch.TryPatch(patched, "patched", out string? whyNot);

        Assert.Null(twice);
        Assert.Contains("GLIBCXX_3.4.32", whyNot);
    }

    [Fact]
    public void Elf_hash_matches_known_values()
    {
        // Values the GNU linker wrote into libLibTorchSharp.so's .gnu.version_r.
        Assert.Equal(0x0297f840u, ElfVersionNeeds.ElfHash("GLIBCXX_3.4.30"));
        Assert.Equal(0x0297f842u, ElfVersionNeeds.ElfHash("GLIBCXX_3.4.32"));
    }
}
