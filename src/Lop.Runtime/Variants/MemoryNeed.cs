namespace Lop.Runtime.Variants;

/// <summary>
/// What a variant needs in memory to run with a given context: its GGUF files (llama.cpp maps them whole)
/// plus the KV cache, 2 (keys and values) x layers x kv heads x head dim x context tokens x 2 bytes, since
/// llama.cpp keeps the cache in f16 unless told otherwise. Compute buffers (tens of MiB) are not counted: the
/// budgets they would eat into already leave room for the OS and runtime.
/// </summary>
public sealed record MemoryNeed(long WeightBytes, long KvCacheBytes, int ContextLength)
{
    private const int KvBytesPerValue = 2;

    public long TotalBytes => WeightBytes + KvCacheBytes;

    public static MemoryNeed Of(GgufInfo gguf, int contextLength) =>
        new(gguf.Bytes, 2L * gguf.Layers * gguf.KvHeads * gguf.HeadDim * contextLength * KvBytesPerValue, contextLength);

    /// <summary>"1.2 GiB: 1.1 GiB weights + 96 MiB KV cache for 2048 tokens".</summary>
    public string Describe() =>
        $"{ByteSize.Format(TotalBytes)}: {ByteSize.Format(WeightBytes)} weights + {ByteSize.Format(KvCacheBytes)} KV cache for {ContextLength} tokens";
}
