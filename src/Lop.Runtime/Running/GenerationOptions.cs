namespace Lop.Runtime.Running;

/// <summary>How to generate. The defaults are deterministic: greedy decoding, the same text every time.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate; generation also stops at the model's end-of-generation token or a full context.</summary>
    public int MaxTokens { get; init; } = 256;

    /// <summary>Wrap the prompt as one user message in the model's chat template, when its GGUF has one.</summary>
    public bool UseChatTemplate { get; init; } = true;

    /// <summary>0 = greedy; above 0, sampling at this temperature with <see cref="Seed"/>.</summary>
    public float Temperature { get; init; }

    public uint Seed { get; init; } = 42;
}
