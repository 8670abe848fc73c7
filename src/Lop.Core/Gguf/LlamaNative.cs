using LLama.Native;

namespace Lop.Core.Gguf;

/// <summary>Loads llama.cpp's native library once, before the first call that assumes it is loaded.</summary>
internal static class LlamaNative
{
    private static readonly Lazy<bool> Loaded = new(() =>
    {
        if (Environment.GetEnvironmentVariable("LOP_DEBUG") != "1")
        {
            // llama.cpp logs every tensor it loads to stderr; keep the user's terminal for our progress.
            NativeLibraryConfig.All.WithLogCallback((level, message) => { });
        }
        LlamaBackendLocator.ConfigureFromNuGetCache();
        _ = NativeApi.llama_max_devices();
        return true;
    });

    public static void EnsureLoaded() => _ = Loaded.Value;
}
