using System.Security.Cryptography;
using System.Text.Json;
using Lop.Core.Errors;
using Microsoft.ML.Tokenizers;

namespace Lop.Core.Calibration;

/// <summary>
/// Finds the tokenizer of a model folder. Order: the Lop byte-tokenizer marker, then tokenizer.json
/// (byte-level BPE), then tokenizer.model (SentencePiece); the first that loads wins.
/// </summary>
public static class TokenizerLoader
{
    internal const string TokenizerJson = "tokenizer.json";
    internal const string SentencePieceModel = "tokenizer.model";

    public static ITokenizer Load(string modelFolder)
    {
        ArgumentNullException.ThrowIfNull(modelFolder);
        var reasons = new List<string>();

        if (IsByteTokenizerFolder(modelFolder, reasons))
        {
            return ByteTokenizer.Instance;
        }

        var json = Path.Combine(modelFolder, TokenizerJson);
        if (File.Exists(json))
        {
            var tokenizer = BpeJsonLoader.TryLoad(json, out var reason);
            if (tokenizer is not null)
            {
                return tokenizer;
            }
            reasons.Add($"{TokenizerJson} {reason}");
        }

        var model = Path.Combine(modelFolder, SentencePieceModel);
        if (File.Exists(model))
        {
            var tokenizer = TryLoadSentencePiece(model, out var reason);
            if (tokenizer is not null)
            {
                return tokenizer;
            }
            reasons.Add($"{SentencePieceModel} {reason}");
        }

        var found = reasons.Count == 0 ? " None of them exists." : " " + string.Join("; ", reasons) + ".";
        throw new LopException(ErrorCodes.TokenizerUnavailable,
            $"No usable tokenizer in '{modelFolder}'. Looked for {ByteTokenizer.ConfigFileName} (tokenizer_class \"{ByteTokenizer.TokenizerClass}\"), "
            + $"{TokenizerJson} (byte-level BPE) and {SentencePieceModel} (SentencePiece).{found} "
            + "Add one of these files, or give calibration data as pre-tokenized JSONL ({\"input_ids\": [...]} per line), which needs no tokenizer.",
            modelFolder);
    }

    /// <summary>Whether the folder is marked as using <see cref="ByteTokenizer"/>; why a marker file is unreadable goes to <paramref name="reasons"/>.</summary>
    internal static bool IsByteTokenizerFolder(string modelFolder, List<string> reasons)
    {
        var path = Path.Combine(modelFolder, ByteTokenizer.ConfigFileName);
        if (!File.Exists(path))
        {
            return false;
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("tokenizer_class", out var cls)
                && cls.ValueKind == JsonValueKind.String
                && cls.GetString() == ByteTokenizer.TokenizerClass;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            // Hugging Face folders always carry this file next to tokenizer.json; a broken one should not
            // hide a good tokenizer.json, so it only becomes part of the message if nothing else loads.
            reasons.Add($"{ByteTokenizer.ConfigFileName} could not be read: {ex.Message}");
            return false;
        }
    }

    private static ITokenizer? TryLoadSentencePiece(string path, out string? reason)
    {
        reason = null;
        try
        {
            var bytes = File.ReadAllBytes(path);
            using var stream = new MemoryStream(bytes, writable: false);
            var tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
            var vocabSize = 0;
            foreach (var (_, id) in tokenizer.Vocabulary)
            {
                vocabSize = Math.Max(vocabSize, id + 1);
            }
            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
            return new MlTokenizerAdapter(tokenizer, $"sentencepiece:tokenizer.model@{fingerprint}", vocabSize, nfc: false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The protobuf parser throws its own exception types for a corrupt file; all mean "unusable".
            reason = $"could not be loaded: {ex.Message}";
            return null;
        }
    }
}
