using System.Text;
using Lop.Core.Calibration;
using Lop.Core.Errors;

namespace Lop.Core.Gguf;

/// <summary>llama.cpp's tokenizer keys for a model folder's tokenizer (interim: the sample's byte tokenizer).</summary>
public static class GgufTokenizerMetadata
{
    public static void AddTo(GgufMetadata metadata, string modelFolder, int vocabRows)
    {
        if (TokenizerLoader.Load(modelFolder) is not ByteTokenizer)
        {
            throw new LopException(ErrorCodes.TokenizerNotExportable, "only the byte tokenizer is exported yet", modelFolder);
        }
        var tokens = new string[vocabRows];
        var unicode = ByteToUnicode();
        for (var i = 0; i < vocabRows; i++)
        {
            tokens[i] = i < 256 ? unicode[i] : $"[PAD{i}]";
        }
        metadata["tokenizer.ggml.model"] = GgufValue.String("gpt2");
        metadata["tokenizer.ggml.pre"] = GgufValue.String("default");
        metadata["tokenizer.ggml.tokens"] = GgufValue.Strings(tokens);
        metadata["tokenizer.ggml.token_type"] = GgufValue.Int32s(Enumerable.Range(0, vocabRows).Select(i => i < 256 ? 1 : 5).ToArray());
        metadata["tokenizer.ggml.merges"] = GgufValue.Strings([]);
        metadata["tokenizer.ggml.add_bos_token"] = GgufValue.Bool(false);
        metadata["tokenizer.ggml.add_eos_token"] = GgufValue.Bool(false);
    }

    private static string[] ByteToUnicode()
    {
        var result = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            result[b] = printable ? ((char)b).ToString() : ((char)next++).ToString();
        }
        return result;
    }
}
