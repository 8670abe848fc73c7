using LLama.Native;

namespace Lop.Runtime.Running;

/// <summary>
/// Makes LLamaSharp choose and load its llama.cpp library before anything else calls into it: some of its
/// P/Invokes (the mtmd ones and the quantizer among them) bypass the loader that picks the right native
/// build for this CPU, and would otherwise fail or bind the wrong library. llama.cpp's own log (every
/// tensor it loads, to stderr) is silenced unless LOP_DEBUG=1, so a console keeps our progress lines.
/// </summary>
internal static class LlamaNatives
{
    private static readonly Lazy<int> Loaded = new(() =>
    {
        if (Environment.GetEnvironmentVariable("LOP_DEBUG") != "1")
        {
            try
            {
                NativeLibraryConfig.All.WithLogCallback((level, message) => { });
            }
            catch (InvalidOperationException)
            {
                // Something else in the process loaded the library first; its log settings stand.
            }
        }
        return (int)NativeApi.llama_max_devices();
    });

    public static void EnsureLoaded() => _ = Loaded.Value;
}
