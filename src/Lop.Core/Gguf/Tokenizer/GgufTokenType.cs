namespace Lop.Core.Gguf.Tokenizer;

/// <summary>
/// The values of <c>tokenizer.ggml.token_type</c>. They equal SentencePiece's piece types, so a
/// tokenizer.model's types are copied unchanged. llama.cpp matches USER_DEFINED tokens in raw text
/// before tokenizing, CONTROL tokens only when asked to parse special tokens, and skips UNUSED ones.
/// </summary>
internal enum GgufTokenType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}
