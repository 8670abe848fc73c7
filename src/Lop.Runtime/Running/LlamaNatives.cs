using LLama.Native;

namespace Lop.Runtime.Running;

/// <summary>
/// Makes LLamaSharp choose and load its llama.cpp library before anything else calls into it: some of its
/// P/Invokes (the mtmd ones among them) bypass the loader that picks the right native build for this CPU,
/// and would otherwise fail or bind the wrong library.
/// </summary>
internal static class LlamaNatives
{
    private static readonly Lazy<int> Loaded = new(() => (int)NativeApi.llama_max_devices());

    public static void EnsureLoaded() => _ = Loaded.Value;
}
