namespace Lop.Core.Gguf;

/// <summary>
/// Loads llama.cpp for the engine: from beside the engine when a build put LLamaSharp's natives there,
/// else (the engine inside the Lop.Build package) from the backend package in the NuGet cache; then the
/// load itself, once, as every llama.cpp user in the process does it (<see cref="Lop.Runtime.Running.LlamaNatives"/>).
/// </summary>
internal static class LlamaNative
{
    private static readonly Lazy<bool> Loaded = new(() =>
    {
        try
        {
            LlamaBackendLocator.ConfigureFromNuGetCache();
        }
        catch (InvalidOperationException)
        {
            // Already loaded by something else in this process: nothing left to point at.
        }
        Lop.Runtime.Running.LlamaNatives.EnsureLoaded();
        return true;
    });

    public static void EnsureLoaded() => _ = Loaded.Value;
}
