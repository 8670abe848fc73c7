using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LLama.Native;

namespace Lop.Runtime.Running;

/// <summary>
/// Makes LLamaSharp choose and load its llama.cpp library before anything else calls into it: some of its
/// P/Invokes (the mtmd ones and the quantizer among them) bypass the loader that picks the right native
/// build for this CPU, and would otherwise fail or bind the wrong library. llama.cpp's own log (every
/// tensor it loads, to stderr) is silenced unless LOP_DEBUG=1, so a console keeps our progress lines; so is
/// mtmd's (the vision projector's loader prints every tensor too), which LLamaSharp's log setting misses.
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
        var devices = (int)NativeApi.llama_max_devices();
        if (Environment.GetEnvironmentVariable("LOP_DEBUG") != "1")
        {
            SilenceMtmd();
        }
        return devices;
    });

    public static void EnsureLoaded() => _ = Loaded.Value;

    /// <summary>
    /// Points mtmd's log (and its CLIP loader's) at a callback that drops it. LLamaSharp binds no setter for
    /// it, so the export is looked up in the mtmd library LLamaSharp already loaded: asking the loader for
    /// it by name returns that same library. Where it cannot be found the log simply stays on.
    /// </summary>
    private static unsafe void SilenceMtmd()
    {
        _ = NativeApi.MtmdDefaultMarker(); // a call into mtmd, so LLamaSharp loads the build it chose
        foreach (var name in new[] { "libmtmd.so", "libmtmd.dylib", "mtmd.dll" })
        {
            if (NativeLibrary.TryLoad(name, out var library) && NativeLibrary.TryGetExport(library, "mtmd_helper_log_set", out var setter))
            {
                ((delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<int, byte*, void*, void>, void*, void>)setter)(&Discard, null);
                return;
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe void Discard(int level, byte* text, void* userData)
    {
    }
}
