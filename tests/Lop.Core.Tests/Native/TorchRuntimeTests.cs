using Lop.Native;
using TorchSharp;

namespace Lop.Core.Tests.Native;

public class TorchRuntimeTests
{
    [Fact]
    public void After_EnsureLoaded_a_64x64_matmul_matches_a_hand_loop()
    {
        TorchRuntime.EnsureLoaded();
        const int n = 64;
        float[] a = Enumerable.Range(0, n * n).Select(i => ((i * 7) % 13 - 6) / 4f).ToArray();
        float[] b = Enumerable.Range(0, n * n).Select(i => ((i * 5) % 11 - 5) / 8f).ToArray();

        float[] actual;
        using (torch.NewDisposeScope())
        {
            actual = torch.matmul(torch.tensor(a, [n, n]), torch.tensor(b, [n, n])).data<float>().ToArray();
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double expected = 0;
                for (int k = 0; k < n; k++)
                {
                    expected += a[i * n + k] * b[k * n + j];
                }
                Assert.Equal(expected, actual[i * n + j], 3);
            }
        }
    }

    [Fact]
    public void EnsureLoaded_from_many_threads_at_once_and_again_is_fine()
    {
        using var start = new Barrier(8);
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                TorchRuntime.EnsureLoaded();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        })).ToList();
        foreach (Thread t in threads)
        {
            t.UnsafeStart();
        }
        threads.ForEach(t => t.Join());
        TorchRuntime.EnsureLoaded();

        Assert.Empty(errors);
        using var sum = torch.ones(3, 3).sum();
        Assert.Equal(9f, sum.item<float>());
    }

    [Fact]
    public void The_loaded_shim_is_the_patched_copy_exactly_on_a_linux_host_without_GLIBCXX_3_4_32()
    {
        TorchRuntime.EnsureLoaded();
        string? libstdcxx = OperatingSystem.IsLinux() ? HostLibraries.Resolve("libstdc++.so.6", neederFolder: null) : null;
        bool needsPatch = OperatingSystem.IsLinux()
            && !(libstdcxx is not null && ElfVersionNeeds.ReadDefinitions(libstdcxx).Contains("GLIBCXX_3.4.32"));

        // The process's own module list (on Linux read from /proc/self/maps), on every platform.
        string[] shims = System.Diagnostics.Process.GetCurrentProcess().Modules.Cast<System.Diagnostics.ProcessModule>()
            .Select(m => m.FileName)
            .Where(f => Path.GetFileNameWithoutExtension(f) is "libLibTorchSharp" or "LibTorchSharp")
            .Distinct().ToArray();

        string shim = Assert.Single(shims);
        if (needsPatch)
        {
            Assert.StartsWith(PatchedCopyCache.Root(), shim);
            Assert.DoesNotContain(new VersionNeed("libstdc++.so.6", "GLIBCXX_3.4.32"), ElfVersionNeeds.ReadNeeds(shim));
        }
        else
        {
            Assert.DoesNotContain(PatchedCopyCache.Root(), shim);
        }
    }
}
