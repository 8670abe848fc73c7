using Lop.Native;

namespace Lop.Core.Tests.Native;

public class ElfVersionNeedsTests
{
    [Fact]
    public void Shim_from_the_package_needs_GLIBCXX_3_4_32_from_libstdcxx()
    {
        IReadOnlyList<VersionNeed> needs = ElfVersionNeeds.ReadNeeds(NativeFiles.Shim());

        Assert.Contains(new VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.32"), needs);
        Assert.Contains(new VersionNeed("libc.so.6", "GLIBC_2.2.5"), needs);
    }

    [Fact]
    public void Recorded_hashes_match_the_SysV_ELF_hash_of_each_name()
    {
        var image = ElfImage.FromFile(NativeFiles.Shim());

        IReadOnlyList<VernauxEntry> entries = ElfVersionNeeds.ReadNeedEntries(image);

        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.Equal(ElfVersionNeeds.ElfHash(e.Need.Version), e.Hash));
    }

    [Fact]
    public void The_hosts_libstdcxx_is_read_on_linux_and_absent_elsewhere()
    {
        string? libstdcxx = HostLibraries.Resolve("libstdc++.so.6", neederFolder: null);

        if (!OperatingSystem.IsLinux())
        {
            // macOS and Windows have no libstdc++.so.6: the GLIBCXX patch never has anything to read there.
            Assert.Null(libstdcxx);
            return;
        }
        Assert.NotNull(libstdcxx);
        IReadOnlySet<string> versions = ElfVersionNeeds.ReadDefinitions(libstdcxx);
        Assert.Contains("GLIBCXX_3.4.30", versions);
        Assert.Contains("CXXABI_1.3", versions);
        Assert.DoesNotContain("libstdc++.so.6", versions);
    }

    [Fact]
    public void Non_ELF_bytes_are_rejected_as_invalid_data()
    {
        byte[] bytes = new byte[128];
        "MZ"u8.CopyTo(bytes);

        Assert.Throws<InvalidDataException>(() => ElfImage.FromBytes(bytes, "fake.so"));
    }
}
