using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Gguf.Tokenizer;

namespace Lop.Core.Gguf;

/// <summary>
/// Writes a model folder's tokenizer as llama.cpp's <c>tokenizer.*</c> keys, so the exported GGUF file
/// tokenizes text into the same ids the engine used. The tokenizer is found as
/// <see cref="TokenizerLoader"/> finds it (the Lop byte-tokenizer marker, then a byte-level BPE
/// tokenizer.json, then tokenizer.model); a tokenizer llama.cpp would run differently is refused with
/// <see cref="ErrorCodes.TokenizerNotExportable"/> rather than exported.
/// </summary>
public static class GgufTokenizerMetadata
{
    /// <summary>
    /// Adds the tokenizer keys to <paramref name="metadata"/>. <paramref name="vocabRows"/> is the row
    /// count of the model's token embedding: llama.cpp needs exactly one token per row, so ids the
    /// tokenizer does not use are filled with unused "[PAD{id}]" tokens.
    /// </summary>
    public static void AddTo(GgufMetadata metadata, string modelFolder, int vocabRows)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(modelFolder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabRows);
        Read(modelFolder, vocabRows).WriteTo(metadata);
    }

    private static GgufVocabulary Read(string modelFolder, int vocabRows)
    {
        if (TokenizerLoader.IsByteTokenizerFolder(modelFolder, reasons: []))
        {
            return ByteVocabulary.Build(Path.Combine(modelFolder, ByteTokenizer.ConfigFileName), vocabRows);
        }

        var json = Path.Combine(modelFolder, TokenizerLoader.TokenizerJson);
        var model = Path.Combine(modelFolder, TokenizerLoader.SentencePieceModel);
        string? notByteLevel = null;
        if (File.Exists(json))
        {
            var vocabulary = BpeJsonVocabulary.TryBuild(json, vocabRows, out var idOf, out notByteLevel);
            if (vocabulary is not null)
            {
                return WithConfig(vocabulary, modelFolder, idOf);
            }
            if (!File.Exists(model))
            {
                throw BpeJsonVocabulary.NotExportable(json, $"it {notByteLevel}; GGUF export supports byte-level BPE tokenizer.json and SentencePiece tokenizer.model");
            }
        }
        if (File.Exists(model))
        {
            var vocabulary = SentencePieceVocabulary.Build(model, vocabRows, out var idOf);
            return WithConfig(vocabulary, modelFolder, idOf);
        }
        throw new LopException(ErrorCodes.TokenizerNotExportable,
            $"'{modelFolder}' has no tokenizer to put into the GGUF file: looked for {TokenizerConfig.FileName} naming \"{ByteTokenizer.TokenizerClass}\", "
            + $"{TokenizerLoader.TokenizerJson} (byte-level BPE) and {TokenizerLoader.SentencePieceModel} (SentencePiece). "
            + "llama.cpp cannot run a model without one; copy the tokenizer files of the model you pruned into the folder.",
            modelFolder);
    }

    private static GgufVocabulary WithConfig(GgufVocabulary vocabulary, string modelFolder, Func<string, int?> idOf)
    {
        TokenizerConfig.Read(modelFolder).ApplyTo(vocabulary, idOf);
        return vocabulary;
    }
}
