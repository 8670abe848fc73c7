using Lop.Native;

namespace Lop.Core.Tests.Native;

public class NativeDiagnosisTests
{
    private const string Shim = "/app/runtimes/linux-x64/native/libLibTorchSharp.so";
    private const string Libstdcxx = "/lib/x86_64-linux-gnu/libstdc++.so.6";

    private static readonly Dictionary<string, ProvidedLibrary> Host = new()
    {
        ["libstdc++.so.6"] = new(Libstdcxx, new HashSet<string> { "GLIBCXX_3.4", "GLIBCXX_3.4.30", "CXXABI_1.3" }),
        ["libc.so.6"] = new("/lib/x86_64-linux-gnu/libc.so.6", new HashSet<string> { "GLIBC_2.2.5", "GLIBC_2.34" }),
    };

    [Fact]
    public void A_missing_version_names_the_version_both_files_and_the_fix()
    {
        VersionNeed[] needs = [new("libstdc++.so.6", "GLIBCXX_3.4.30"), new("libstdc++.so.6", "GLIBCXX_3.4.33"), new("libc.so.6", "GLIBC_2.34")];

        IReadOnlyList<MissingVersion> missing = NativeDiagnosis.FindMissing(Shim, needs, Host);
        string text = NativeDiagnosis.Describe(missing);

        Assert.Equal([new MissingVersion(Shim, "libstdc++.so.6", "GLIBCXX_3.4.33", Libstdcxx)], missing);
        Assert.StartsWith("TorchSharp's native library could not be loaded: ", text);
        Assert.Contains($"{Shim} needs GLIBCXX_3.4.33, which {Libstdcxx} does not provide", text);
        Assert.Contains("GCC 14 or later", text);
        Assert.DoesNotContain("doesn't contain a reference", text);
    }

    [Fact]
    public void Several_files_and_libraries_are_all_listed()
    {
        const string cpu = "/app/runtimes/linux-x64/native/libtorch_cpu.so";
        var missing = NativeDiagnosis.FindMissing(Shim, [new VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.32")], Host)
            .Concat(NativeDiagnosis.FindMissing(cpu, [new VersionNeed("libc.so.6", "GLIBC_2.38"), new VersionNeed("libgomp.so.1", "GOMP_4.0")], Host))
            .ToList();

        string text = NativeDiagnosis.Describe(missing, "Extra detail.");

        Assert.Contains($"{Shim} needs GLIBCXX_3.4.32, which {Libstdcxx} does not provide", text);
        Assert.Contains($"{cpu} needs GLIBC_2.38, which /lib/x86_64-linux-gnu/libc.so.6 does not provide", text);
        Assert.Contains($"{cpu} needs libgomp.so.1 (GOMP_4.0), which was not found", text);
        Assert.Contains("GCC 13 or later", text);
        Assert.Contains("newer glibc", text);
        Assert.EndsWith("Extra detail.", text);
    }

    [Fact]
    public void Nothing_is_missing_when_the_host_provides_every_version()
    {
        var missing = NativeDiagnosis.FindMissing(Shim, [new VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.30")], Host);

        Assert.Empty(missing);
    }

    [Fact]
    public void Natives_not_found_lists_the_folders_and_the_package_to_restore()
    {
        string text = NativeDiagnosis.DescribeNotFound("libLibTorchSharp.so", ["/a/bin", "/b/native"]);

        Assert.Contains("libLibTorchSharp.so was not found", text);
        Assert.Contains("/a/bin, /b/native", text);
        Assert.Contains("TorchSharp-cpu", text);
    }
}
