using Lop.Native;

namespace Lop.Core.Tests.Native;

public sealed class PatchedCopyCacheTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lop-cache-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Concurrent_stores_leave_one_whole_file_and_no_temporaries()
    {
        byte[] content = Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 31)).ToArray();

        string[] paths = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8)
            .Select(_ => PatchedCopyCache.Store(_root, "key", "libLibTorchSharp.so", content))
            .ToArray();

        string expected = Path.Combine(_root, "key", "libLibTorchSharp.so");
        Assert.All(paths, p => Assert.Equal(expected, p));
        Assert.Equal(content, File.ReadAllBytes(expected));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "key")));
    }

    [Fact]
    public void A_damaged_copy_is_replaced()
    {
        byte[] content = [1, 2, 3, 4];
        string path = PatchedCopyCache.Store(_root, "key", "lib.so", content);
        File.WriteAllBytes(path, [1, 2]);

        PatchedCopyCache.Store(_root, "key", "lib.so", content);

        Assert.Equal(content, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_key_depends_on_the_content()
    {
        Assert.NotEqual(PatchedCopyCache.KeyFor([1]), PatchedCopyCache.KeyFor([2]));
        Assert.Equal(32, PatchedCopyCache.KeyFor([1]).Length);
    }
}
