using System.Runtime.InteropServices;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// The real llama.cpp (LLamaSharp's CPU backend) as a test oracle: load a GGUF file, tokenize and
/// detokenize with it.
/// </summary>
internal sealed class LlamaCpp : IDisposable
{
    private static readonly Lazy<bool> NativeLoaded = new(() =>
    {
        // The first native call picks and loads the library; anything else first can bind the wrong one.
        Lop.Runtime.Running.LlamaNatives.EnsureLoaded();
        return true;
    });

    private LlamaCpp(LLamaWeights weights) => Weights = weights;

    public LLamaWeights Weights { get; }

    public static LlamaCpp Load(string ggufPath)
    {
        _ = NativeLoaded.Value;
        return new LlamaCpp(LLamaWeights.LoadFromFile(new ModelParams(ggufPath) { GpuLayerCount = 0 }));
    }

    /// <summary>Token ids as llama.cpp gives them for plain text: no BOS, special markers not parsed.</summary>
    public int[] Tokenize(string text) =>
        Weights.Tokenize(text, add_bos: false, special: false, Encoding.UTF8).Select(t => (int)t).ToArray();

    /// <summary>The bytes of each token's piece, concatenated and read as UTF-8: what a streaming client prints.</summary>
    public string Detokenize(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        var buffer = new byte[256];
        foreach (var id in ids)
        {
            var length = NativeApi.llama_token_to_piece(Weights.Vocab, id, buffer, 0, false);
            Assert.True(length >= 0, $"token {id}: piece longer than {buffer.Length} bytes");
            bytes.AddRange(buffer.AsSpan(0, length));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>
    /// llama.cpp's own llama_detokenize (what llama-server's /detokenize and common_detokenize call), which
    /// also applies the vocabulary's clean-up of spaces. LLamaSharp keeps it internal; the library it
    /// loaded is found again by its soname.
    /// </summary>
    public unsafe string DetokenizeWhole(int[] ids)
    {
        var vocab = ModelVocab(Weights.NativeHandle.DangerousGetHandle());
        var buffer = new byte[ids.Length * 64 + 16];
        int length;
        fixed (int* tokens = ids)
        fixed (byte* text = buffer)
        {
            length = Detokenize(vocab, tokens, ids.Length, text, buffer.Length, removeSpecial: false, unparseSpecial: false);
        }
        Assert.True(length >= 0, $"detokenized text longer than {buffer.Length} bytes");
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    public void Dispose() => Weights.Dispose();

    [DllImport("llama", EntryPoint = "llama_model_get_vocab")]
    private static extern IntPtr ModelVocab(IntPtr model);

    [DllImport("llama", EntryPoint = "llama_detokenize")]
    private static extern unsafe int Detokenize(IntPtr vocab, int* tokens, int count, byte* text, int textLengthMax,
        [MarshalAs(UnmanagedType.U1)] bool removeSpecial, [MarshalAs(UnmanagedType.U1)] bool unparseSpecial);
}
