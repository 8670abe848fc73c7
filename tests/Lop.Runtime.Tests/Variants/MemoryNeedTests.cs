using Lop.Runtime.Variants;

namespace Lop.Runtime.Tests.Variants;

public sealed class MemoryNeedTests
{
    [Fact]
    public void The_kv_cache_holds_keys_and_values_in_f16_for_every_layer_kv_head_dimension_and_token()
    {
        var gguf = new GgufInfo("model.gguf", null, "q4_k_m", "llama", null, Bytes: 1_000_000, Layers: 12, KvHeads: 4, HeadDim: 32, ContextLength: 2048);

        var need = MemoryNeed.Of(gguf, 2048);

        Assert.Equal(2L * 12 * 4 * 32 * 2048 * 2, need.KvCacheBytes);
        Assert.Equal(1_000_000 + need.KvCacheBytes, need.TotalBytes);
    }
}
