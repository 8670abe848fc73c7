using Lop.Core.Errors;

namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// A SentencePiece tokenizer.model (Llama-2, Mistral) as a llama.cpp "llama" vocabulary: pieces,
/// scores and types from the ModelProto, add_space_prefix from the normalizer, and BOS/EOS/UNK/PAD
/// ids from the trainer spec (sentencepiece_model.proto field numbers below).
/// </summary>
internal static class SentencePieceVocabulary
{
    // ModelProto
    private const int PiecesField = 1;
    private const int TrainerSpecField = 2;
    private const int NormalizerSpecField = 3;

    // ModelProto.SentencePiece
    private const int PieceField = 1;
    private const int ScoreField = 2;
    private const int TypeField = 3;

    // TrainerSpec
    private const int ModelTypeField = 3;
    private const int UnknownIdField = 40;
    private const int BosIdField = 41;
    private const int EosIdField = 42;
    private const int PadIdField = 43;
    private const int BpeModelType = 2;

    // NormalizerSpec
    private const int NormalizerNameField = 1;
    private const int AddDummyPrefixField = 3;
    private const int RemoveExtraWhitespacesField = 4;

    public static GgufVocabulary Build(string path, int vocabRows, out Func<string, int?> idOf)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotExportable(path, $"it cannot be read: {ex.Message}");
        }

        var tokens = new List<string>();
        var scores = new List<float>();
        var types = new List<GgufTokenType>();
        // sentencepiece_model.proto is proto2: a field the file leaves out takes the default it declares.
        var modelType = 1;
        int unknownId = 0, bosId = 1, eosId = 2, padId = -1;
        var normalizer = "";
        var addDummyPrefix = true;
        var removeExtraWhitespaces = true;
        try
        {
            foreach (var field in ProtobufReader.ReadMessage(bytes))
            {
                switch (field.Number)
                {
                    case PiecesField when field.WireType == ProtobufField.LengthDelimited:
                        ReadPiece(field.Bytes, tokens, scores, types);
                        break;
                    case TrainerSpecField when field.WireType == ProtobufField.LengthDelimited:
                        foreach (var spec in ProtobufReader.ReadMessage(field.Bytes))
                        {
                            switch (spec.Number)
                            {
                                case ModelTypeField: modelType = spec.AsInt32(); break;
                                case UnknownIdField: unknownId = spec.AsInt32(); break;
                                case BosIdField: bosId = spec.AsInt32(); break;
                                case EosIdField: eosId = spec.AsInt32(); break;
                                case PadIdField: padId = spec.AsInt32(); break;
                            }
                        }
                        break;
                    case NormalizerSpecField when field.WireType == ProtobufField.LengthDelimited:
                        foreach (var spec in ProtobufReader.ReadMessage(field.Bytes))
                        {
                            switch (spec.Number)
                            {
                                case NormalizerNameField: normalizer = spec.AsString(); break;
                                case AddDummyPrefixField: addDummyPrefix = spec.AsBool(); break;
                                case RemoveExtraWhitespacesField: removeExtraWhitespaces = spec.AsBool(); break;
                            }
                        }
                        break;
                }
            }
        }
        catch (FormatException ex)
        {
            throw NotExportable(path, $"it is not a readable SentencePiece model: {ex.Message}");
        }

        if (tokens.Count == 0)
        {
            throw NotExportable(path, "it has no pieces");
        }
        // llama.cpp's "llama" tokenizer is SentencePiece's BPE with whitespace escaped and nothing else
        // normalized; a Unigram model or a normalizing one would be tokenized differently.
        if (modelType != BpeModelType)
        {
            throw NotExportable(path, $"it is a SentencePiece model of type {modelType} (1 Unigram, 3 Word, 4 Char); llama.cpp's \"llama\" tokenizer reproduces only type 2, BPE");
        }
        if (normalizer != "identity" || removeExtraWhitespaces)
        {
            throw NotExportable(path, $"its normalizer is \"{normalizer}\" with remove_extra_whitespaces={(removeExtraWhitespaces ? "true" : "false")}; llama.cpp applies neither, so it would tokenize differently (Llama-2 and Mistral use \"identity\" and false)");
        }
        // Characters outside the vocabulary fall back to <0xXX> pieces in llama.cpp; without all 256 it fails on them.
        var bytePieces = types.Count(t => t == GgufTokenType.Byte);
        if (bytePieces != 256)
        {
            throw NotExportable(path, $"it has {bytePieces} byte pieces (<0x00>..<0xFF>) instead of 256; llama.cpp spells characters outside the vocabulary with them and cannot tokenize such text without them");
        }
        if (tokens.Count > vocabRows)
        {
            throw NotExportable(path, $"it has {tokens.Count} pieces but the model's embedding has only {vocabRows} rows; check that the tokenizer belongs to this model");
        }

        var byText = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
        {
            byText.TryAdd(tokens[id], id);
        }
        idOf = text => byText.TryGetValue(text, out var id) ? id : null;

        var vocabulary = new GgufVocabulary
        {
            Model = "llama",
            Pre = "default",
            Tokens = tokens,
            Types = types,
            Scores = scores,
            AddSpacePrefix = addDummyPrefix,
            BosId = InVocabulary(bosId, tokens.Count),
            EosId = InVocabulary(eosId, tokens.Count),
            UnknownId = InVocabulary(unknownId, tokens.Count),
            PaddingId = InVocabulary(padId, tokens.Count),
            SourceFile = path,
        };
        vocabulary.PadTo(vocabRows);
        return vocabulary;
    }

    private static void ReadPiece(ReadOnlyMemory<byte> message, List<string> tokens, List<float> scores, List<GgufTokenType> types)
    {
        string piece = "";
        float score = 0;
        var type = GgufTokenType.Normal;
        foreach (var field in ProtobufReader.ReadMessage(message))
        {
            switch (field.Number)
            {
                case PieceField when field.WireType == ProtobufField.LengthDelimited: piece = field.AsString(); break;
                case ScoreField when field.WireType == ProtobufField.Fixed32: score = field.AsFloat(); break;
                case TypeField when field.WireType == ProtobufField.Varint:
                    type = field.AsInt32() is >= 1 and <= 6 and var value
                        ? (GgufTokenType)value
                        : throw new FormatException($"piece {tokens.Count} has type {field.AsInt32()}, not 1..6");
                    break;
            }
        }
        tokens.Add(piece);
        scores.Add(score);
        types.Add(type);
    }

    /// <summary>SentencePiece disables an id with -1.</summary>
    private static int? InVocabulary(int id, int count) => id >= 0 && id < count ? id : null;

    private static LopException NotExportable(string path, string why) =>
        new(ErrorCodes.TokenizerNotExportable, $"{Path.GetFileName(path)} cannot be exported to GGUF: {why}.", path);
}
