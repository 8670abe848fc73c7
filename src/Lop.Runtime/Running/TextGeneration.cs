using System.Diagnostics;
using System.Runtime.CompilerServices;
using LLama;
using LLama.Common;
using LLama.Native;
using Lop.Runtime.Errors;

namespace Lop.Runtime.Running;

/// <summary>A text prompt: format, tokenize, evaluate in batches of the context's batch size, then the token loop.</summary>
internal static class TextGeneration
{
    public static async IAsyncEnumerable<string> Run(
        LLamaWeights weights,
        ModelParams parameters,
        string prompt,
        GenerationOptions options,
        Action<GenerationStats> report,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A fresh context per generation: nothing of an earlier prompt leaks into this one.
        using var context = weights.CreateContext(parameters);
        var (text, templated) = PromptFormat.Apply(weights, prompt, options.UseChatTemplate);
        var tokens = context.Tokenize(text, addBos: weights.Vocab.ShouldAddBOS, special: true);
        if (tokens.Length >= context.ContextSize)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.PromptTooLong,
                $"the prompt is {tokens.Length} tokens, the context only {context.ContextSize}; choose the variant with a longer context", parameters.ModelPath);
        }

        var clock = Stopwatch.StartNew();
        var batch = new LLamaBatch();
        var batchSize = (int)context.BatchSize;
        for (var start = 0; start < tokens.Length; start += batchSize)
        {
            var slice = tokens.AsSpan(start, Math.Min(batchSize, tokens.Length - start));
            batch.Clear();
            batch.AddRange(slice, start, LLamaSeqId.Zero, logitsLast: start + slice.Length == tokens.Length);
            await TokenLoop.DecodeAsync(context, batch, parameters.ModelPath, cancellationToken);
        }
        var promptTime = clock.Elapsed;

        await foreach (var piece in TokenLoop.Run(context, parameters.ModelPath, tokens.Length, tokens.Length, batch.TokenCount - 1,
            promptTime, templated, options, report, cancellationToken))
        {
            yield return piece;
        }
    }
}
