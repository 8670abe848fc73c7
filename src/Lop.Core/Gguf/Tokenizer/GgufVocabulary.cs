using Lop.Core.Errors;

namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// A tokenizer as llama.cpp's <c>tokenizer.*</c> keys describe it. Built by one reader per tokenizer
/// kind, then padded to the embedding's rows and written by <see cref="WriteTo"/>. A null id or flag
/// means "not stated": the key is left out and llama.cpp's default for the tokenizer model applies.
/// </summary>
internal sealed class GgufVocabulary
{
    public required string Model { get; init; }

    /// <summary><c>tokenizer.ggml.pre</c>: which pre-tokenizer split llama.cpp applies (BPE only).</summary>
    public string? Pre { get; init; }

    public required List<string> Tokens { get; init; }

    public required List<GgufTokenType> Types { get; init; }

    /// <summary>SentencePiece merge priorities; byte-level BPE has merges instead.</summary>
    public List<float>? Scores { get; init; }

    /// <summary>"left right" pairs in rank order (BPE only; the key is required there even when empty).</summary>
    public List<string>? Merges { get; init; }

    public int? BosId { get; set; }
    public int? EosId { get; set; }
    public int? UnknownId { get; set; }
    public int? PaddingId { get; set; }
    public bool? AddBos { get; set; }
    public bool? AddEos { get; set; }
    public bool? AddSpacePrefix { get; init; }
    public string? ChatTemplate { get; set; }

    /// <summary>Where the tokenizer came from, named in errors.</summary>
    public required string SourceFile { get; init; }

    /// <summary>
    /// Fills ids the tokenizer leaves empty up to <paramref name="rows"/> with unused "[PAD{id}]" tokens,
    /// as llama.cpp's converter does: llama.cpp needs exactly one token per embedding row.
    /// </summary>
    public void PadTo(int rows)
    {
        if (Tokens.Count > rows)
        {
            throw new LopException(ErrorCodes.TokenizerNotExportable,
                $"the tokenizer has {Tokens.Count} tokens but the model's embedding has only {rows} rows; "
                + "llama.cpp needs one row per token. Check that the tokenizer belongs to this model.", SourceFile);
        }
        for (var id = Tokens.Count; id < rows; id++)
        {
            Tokens.Add($"[PAD{id}]");
            Types.Add(GgufTokenType.Unused);
            Scores?.Add(-1000f);
        }
    }

    public void WriteTo(GgufMetadata metadata)
    {
        CheckUnique();
        metadata["tokenizer.ggml.model"] = GgufValue.String(Model);
        if (Pre is not null)
        {
            metadata["tokenizer.ggml.pre"] = GgufValue.String(Pre);
        }
        metadata["tokenizer.ggml.tokens"] = GgufValue.Strings(Tokens);
        if (Scores is not null)
        {
            metadata["tokenizer.ggml.scores"] = GgufValue.Float32s(Scores);
        }
        metadata["tokenizer.ggml.token_type"] = GgufValue.Int32s(Types.Select(t => (int)t).ToArray());
        if (Merges is not null)
        {
            metadata["tokenizer.ggml.merges"] = GgufValue.Strings(Merges);
        }
        WriteId(metadata, "tokenizer.ggml.bos_token_id", BosId);
        WriteId(metadata, "tokenizer.ggml.eos_token_id", EosId);
        WriteId(metadata, "tokenizer.ggml.unknown_token_id", UnknownId);
        WriteId(metadata, "tokenizer.ggml.padding_token_id", PaddingId);
        WriteFlag(metadata, "tokenizer.ggml.add_bos_token", AddBos);
        WriteFlag(metadata, "tokenizer.ggml.add_eos_token", AddEos);
        WriteFlag(metadata, "tokenizer.ggml.add_space_prefix", AddSpacePrefix);
        if (ChatTemplate is not null)
        {
            metadata["tokenizer.chat_template"] = GgufValue.String(ChatTemplate);
        }
    }

    /// <summary>llama.cpp refuses a vocabulary in which two ids share a text; say so here, naming both.</summary>
    private void CheckUnique()
    {
        var seen = new Dictionary<string, int>(Tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < Tokens.Count; id++)
        {
            if (!seen.TryAdd(Tokens[id], id))
            {
                throw new LopException(ErrorCodes.TokenizerNotExportable,
                    $"tokens {seen[Tokens[id]]} and {id} are both \"{Tokens[id]}\"; llama.cpp refuses a vocabulary with duplicate tokens.", SourceFile);
            }
        }
    }

    private void WriteId(GgufMetadata metadata, string key, int? id)
    {
        if (id is not int value)
        {
            return;
        }
        if (value < 0 || value >= Tokens.Count)
        {
            // llama.cpp would warn and silently fall back to its default id, which may be an ordinary token.
            throw new LopException(ErrorCodes.TokenizerNotExportable,
                $"{key} would be {value}, outside the vocabulary of {Tokens.Count} tokens.", SourceFile);
        }
        metadata[key] = GgufValue.UInt32((uint)value);
    }

    private static void WriteFlag(GgufMetadata metadata, string key, bool? flag)
    {
        if (flag is bool value)
        {
            metadata[key] = GgufValue.Bool(value);
        }
    }
}
