using System.Text;
using Lop.Core.Errors;

namespace Lop.Core.Calibration;

/// <summary>
/// UTF-8 bytes as tokens (vocab 256). The built-in sample model uses it so the whole pipeline runs
/// with no downloaded tokenizer files, and any text round-trips exactly.
/// </summary>
public sealed class ByteTokenizer : ITokenizer
{
    /// <summary>The <c>tokenizer_class</c> that marks a model folder as using this tokenizer.</summary>
    public const string TokenizerClass = "LopByteTokenizer";

    internal const string ConfigFileName = "tokenizer_config.json";

    public static ByteTokenizer Instance { get; } = new();

    public string Name => "lop-byte";

    public int VocabSize => 256;

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = Encoding.UTF8.GetBytes(text);
        var ids = new int[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            ids[i] = bytes[i];
        }
        return ids;
    }

    /// <summary>Invalid byte sequences (a window cut mid-character) decode to U+FFFD rather than failing.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new byte[ids.Count];
        for (var i = 0; i < bytes.Length; i++)
        {
            var id = ids[i];
            if ((uint)id > 255)
            {
                throw new LopException(ErrorCodes.TokenOutOfRange,
                    $"Token id {id} at position {i} is outside the byte tokenizer's vocabulary (0..255).");
            }
            bytes[i] = (byte)id;
        }
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Marks <paramref name="modelFolder"/> as using this tokenizer, in the file Hugging Face tooling
    /// already looks at, so <see cref="TokenizerLoader"/> needs no extra convention.
    /// </summary>
    public static void WriteConfig(string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        var path = Path.Combine(modelFolder, ConfigFileName);
        try
        {
            Directory.CreateDirectory(modelFolder);
            File.WriteAllText(path, $"{{\n  \"tokenizer_class\": \"{TokenizerClass}\"\n}}\n", new UTF8Encoding(false));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.OutputNotWritable,
                $"Cannot write {ConfigFileName}: {ex.Message} Check that the model folder is writable.", path, inner: ex);
        }
    }
}
