using Lop.Core.Native;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Native;

public class TorchRuntimeTests
{
    private static string ShimBesideTests() =>
        NativeLibraryFiles.Find(NativeLibraryFiles.Shim, NativeLibraryFiles.SearchFolders())
        ?? throw new InvalidOperationException("the test output has no libLibTorchSharp.so");

    [Fact]
    public void Loads_torch_from_any_thread_and_computes_a_matmul_correctly()
    {
        Parallel.For(0, 4, _ => TorchRuntime.EnsureLoaded());
        var a = arange(64 * 64, dtype: ScalarType.Float32).reshape(64, 64) / 1000;
        var b = a.t().contiguous();
        var product = matmul(a, b).data<float>().ToArray();
        var av = a.data<float>().ToArray();
        for (var (i, j) = (3, 17); i < 64; i += 20)
        {
            double expected = 0;
            for (var k = 0; k < 64; k++)
            {
                expected += av[i * 64 + k] * av[j * 64 + k];
            }
            Assert.Equal(expected, product[i * 64 + j], 2);
        }
    }

    [Fact]
    public void Reads_the_glibcxx_version_the_shim_needs_and_patches_only_that_record()
    {
        var original = File.ReadAllBytes(ShimBesideTests());
        Assert.Contains(ElfVersions.Needs(original), n => n.Version == "GLIBCXX_3.4.32" && n.Library == "libstdc++.so.6");

        var patched = (byte[])original.Clone();
        ElfVersions.RenameNeed(patched, "GLIBCXX_3.4.32", "GLIBCXX_3.4.30");

        var needs = ElfVersions.Needs(patched);
        Assert.DoesNotContain(needs, n => n.Version == "GLIBCXX_3.4.32");
        var renamed = needs.Where(n => n.Version == "GLIBCXX_3.4.30").ToList();
        Assert.NotEmpty(renamed);
        Assert.All(renamed, n => Assert.Equal(ElfVersions.SysVHash("GLIBCXX_3.4.30"), BitConverter.ToUInt32(patched, n.HashOffset)));
        var changed = Enumerable.Range(0, original.Length).Count(i => original[i] != patched[i]);
        Assert.InRange(changed, 1, 2 + 4); // one digit of the name and at most the four hash bytes
    }

    [Fact]
    public void Elf_hash_agrees_with_every_hash_the_linker_wrote_into_libtorch()
    {
        var libtorch = File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(ShimBesideTests())!, "libtorch_cpu.so"));
        var needs = ElfVersions.Needs(libtorch);
        Assert.True(needs.Count > 5);
        Assert.All(needs, n => Assert.Equal(BitConverter.ToUInt32(libtorch, n.HashOffset), ElfVersions.SysVHash(n.Version)));
    }

    [Fact]
    public void Host_libstdcxx_defines_the_versions_libtorch_needs()
    {
        var path = NativeLibraryFiles.LoadedPath("libstdc++.so.6");
        Assert.NotNull(path);
        Assert.Contains("GLIBCXX_3.4.30", ElfVersions.Definitions(File.ReadAllBytes(path!)));
    }

    [Fact]
    public void Diagnosis_names_the_missing_version_and_both_files()
    {
        var needs = new[] { new VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.33", 0, 0), new VersionNeed("libc.so.6", "GLIBC_2.2.5", 0, 0) };
        var missing = LoadDiagnosis.Missing("/x/libLibTorchSharp.so", needs, lib => lib == "libc.so.6"
            ? ("/lib/libc.so.6", new HashSet<string> { "GLIBC_2.2.5" })
            : ("/lib/libstdc++.so.6", new HashSet<string> { "GLIBCXX_3.4.30" }));

        var message = LoadDiagnosis.Describe(missing);

        Assert.Single(missing);
        Assert.False(LoadDiagnosis.OnlyHarmless(missing));
        Assert.Contains("/x/libLibTorchSharp.so needs GLIBCXX_3.4.33", message);
        Assert.Contains("/lib/libstdc++.so.6", message);
        Assert.DoesNotContain("libtorch-cpu-linux-x64", message);
    }
}
