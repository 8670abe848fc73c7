using System.Runtime.InteropServices;
using Lop.Core.Images;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// Runs the real llama.cpp (LLamaSharp's bundled build) on an image: loads the text GGUF, binds the
/// mmproj with mtmd, and returns the image embeddings mtmd hands the language model. LLamaSharp
/// 0.30.0 keeps <c>mtmd_encode_chunk</c> and <c>mtmd_get_output_embd</c> internal, so they are
/// called from the very libmtmd it loaded (found in this process's mappings), never a second copy.
/// </summary>
internal static unsafe class MtmdImageEncoder
{
    public static (float[] Embeddings, int Tokens, int Width) Encode(string textModel, string mmproj, RgbImage image)
    {
        Lop.Runtime.Running.LlamaNatives.EnsureLoaded(); // loads the natives before anything else touches them
        using var weights = LLamaWeights.LoadFromFile(new ModelParams(textModel) { GpuLayerCount = 0 });
        var parameters = MtmdContextParams.Default();
        parameters.UseGpu = false;
        parameters.NThreads = 2;
        parameters.Warmup = false;
        using var mtmd = MtmdWeights.LoadFromFile(mmproj, weights, parameters);
        using var bitmap = SafeMtmdEmbed.FromRgbBytes((uint)image.Width, (uint)image.Height, image.Pixels)
            ?? throw new InvalidOperationException("mtmd_bitmap_init failed");
        var marker = parameters.MediaMarker ?? NativeApi.MtmdDefaultMarker() ?? "<__media__>";
        var status = mtmd.NativeHandle.Tokenize(marker, false, true, [bitmap], out var tokenized);
        Assert.Equal(0, status);
        using var chunks = tokenized ?? throw new InvalidOperationException("mtmd_tokenize returned no chunks");
        {
            for (ulong i = 0; i < (ulong)chunks.Size; i++)
            {
                var chunk = chunks.GetChunkPtr(i);
                var wrapped = SafeMtmdInputChunk.Wrap(chunk)!;
                if (wrapped.Type != SafeMtmdInputChunk.SafeMtmdInputChunkType.Image)
                {
                    continue;
                }
                var library = LoadedLibmtmd();
                var encode = (delegate* unmanaged<IntPtr, IntPtr, int>)NativeLibrary.GetExport(library, "mtmd_encode_chunk");
                var output = (delegate* unmanaged<IntPtr, float*>)NativeLibrary.GetExport(library, "mtmd_get_output_embd");
                var context = mtmd.NativeHandle.DangerousGetHandle();
                Assert.Equal(0, encode(context, chunk));
                var tokens = (int)wrapped.NTokens;
                var width = weights.EmbeddingSize;
                return (new ReadOnlySpan<float>(output(context), tokens * width).ToArray(), tokens, width);
            }
        }
        throw new InvalidOperationException("mtmd produced no image chunk");
    }

    private static IntPtr LoadedLibmtmd()
    {
        var path = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(p => p is not null && p.EndsWith("/libmtmd.so", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("LLamaSharp has not loaded libmtmd.so");
        return NativeLibrary.Load(path); // dlopen of a loaded path returns the same handle
    }
}
