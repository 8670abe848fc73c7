using Lop.Core.Gguf;

namespace Lop.Core.Tests.Gguf;

/// <summary>Reads back the tokenizer keys <see cref="GgufTokenizerMetadata"/> wrote, typed for assertions.</summary>
internal sealed class ExportedTokenizer(GgufMetadata metadata)
{
    public static ExportedTokenizer Of(string modelFolder, int vocabRows)
    {
        var metadata = new GgufMetadata();
        GgufTokenizerMetadata.AddTo(metadata, modelFolder, vocabRows);
        return new ExportedTokenizer(metadata);
    }

    public GgufMetadata Metadata => metadata;

    public string? Model => metadata.GetString("tokenizer.ggml.model");
    public string? Pre => metadata.GetString("tokenizer.ggml.pre");
    public string[] Tokens => (string[])metadata["tokenizer.ggml.tokens"].Value;
    public int[] Types => (int[])metadata["tokenizer.ggml.token_type"].Value;
    public string[] Merges => (string[])metadata["tokenizer.ggml.merges"].Value;
    public float[] Scores => (float[])metadata["tokenizer.ggml.scores"].Value;
    public bool Has(string key) => metadata.TryGet(key, out _);
    public long? Id(string kind) => metadata.TryGet($"tokenizer.ggml.{kind}_token_id", out var v) ? v.AsInt64() : null;
    public bool? Flag(string key) => metadata.TryGet($"tokenizer.ggml.{key}", out var v) ? (bool)v.Value : null;
    public string? ChatTemplate => metadata.GetString("tokenizer.chat_template");
}
