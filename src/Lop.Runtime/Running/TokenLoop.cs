using System.Diagnostics;
using System.Runtime.CompilerServices;
using LLama;
using LLama.Native;
using LLama.Sampling;
using Lop.Runtime.Errors;

namespace Lop.Runtime.Running;

/// <summary>
/// The decoding loop shared by text and image prompts: once the prompt is in the context, sample a token,
/// stream its text, feed it back, until end of generation, MaxTokens or a full context.
/// </summary>
internal static class TokenLoop
{
    /// <param name="nextPosition">Position of the first generated token: the prompt's length in positions.</param>
    /// <param name="logitsIndex">Batch index of the logits the first token is sampled from (-1: the last computed).</param>
    public static async IAsyncEnumerable<string> Run(
        LLamaContext context,
        string modelPath,
        int promptTokens,
        int nextPosition,
        int logitsIndex,
        TimeSpan promptTime,
        bool templated,
        GenerationOptions options,
        Action<GenerationStats> report,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using ISamplingPipeline sampler = options.Temperature > 0
            ? new DefaultSamplingPipeline { Temperature = options.Temperature, Seed = options.Seed }
            : new GreedySamplingPipeline();
        var decoder = new StreamingTokenDecoder(context);
        var batch = new LLamaBatch();
        var clock = Stopwatch.StartNew();
        var generated = 0;
        var ended = false;
        // Stats are reported however the loop ends, including when the caller stops reading early (a
        // caption app stops at the full stop): disposing the enumerator runs the finally block. A cancelled
        // generation reports none: it did not finish and its figures would mislead.
        try
        {
            while (generated < options.MaxTokens && nextPosition < context.ContextSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var token = sampler.Sample(context.NativeHandle, logitsIndex);
                if (token.IsEndOfGeneration(context.Vocab))
                {
                    ended = true;
                    break;
                }
                generated++;
                decoder.Add(token);
                if (decoder.Read() is { Length: > 0 } text)
                {
                    yield return text;
                }
                batch.Clear();
                batch.Add(token, nextPosition++, LLamaSeqId.Zero, true);
                await DecodeAsync(context, batch, modelPath, cancellationToken);
                logitsIndex = 0;
            }
        }
        finally
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                report(new GenerationStats(promptTokens, generated, promptTime, clock.Elapsed, templated, ended));
            }
        }
    }

    /// <summary>Decodes off the caller's thread, so a UI stays responsive while llama.cpp computes.</summary>
    public static async Task DecodeAsync(LLamaContext context, LLamaBatch batch, string modelPath, CancellationToken cancellationToken)
    {
        var result = await Task.Run(() => context.Decode(batch), cancellationToken);
        if (result != DecodeResult.Ok)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.DecodeFailed, $"llama.cpp could not evaluate the batch: {result}", modelPath);
        }
    }
}
