namespace Lop.Runtime.Running;

/// <summary>
/// What one generation did. Times are wall-clock (Stopwatch) around the prompt's evaluation and around the
/// token loop, so they include sampling and detokenising: what the app experiences, not llama.cpp's kernel time.
/// </summary>
/// <param name="PromptTokens">Tokens evaluated before the first generated one (image tokens included).</param>
/// <param name="GeneratedTokens">Tokens sampled, the end-of-generation token not counted.</param>
/// <param name="UsedChatTemplate">Whether the prompt went through the model's chat template.</param>
/// <param name="StoppedAtEndOfGeneration">Whether the model ended the text itself (rather than MaxTokens or the context).</param>
public sealed record GenerationStats(
    int PromptTokens,
    int GeneratedTokens,
    TimeSpan PromptTime,
    TimeSpan GenerationTime,
    bool UsedChatTemplate,
    bool StoppedAtEndOfGeneration)
{
    public double PromptTokensPerSecond => PerSecond(PromptTokens, PromptTime);

    public double GenerationTokensPerSecond => PerSecond(GeneratedTokens, GenerationTime);

    private static double PerSecond(int tokens, TimeSpan time) => time > TimeSpan.Zero ? tokens / time.TotalSeconds : 0;

    public override string ToString() =>
        FormattableString.Invariant($"prompt {PromptTokens} tokens at {PromptTokensPerSecond:0.0}/s, generated {GeneratedTokens} at {GenerationTokensPerSecond:0.0}/s (wall clock)");
}
