using System.Diagnostics;
using System.Globalization;
using LLama;
using LLama.Common;
using LLama.Native;
using Lop.Core.Gguf;

namespace Lop.Benchmarks;

/// <summary>What one GGUF file did under llama.cpp in its own process.</summary>
/// <param name="DecodeCpuShare">CPU time of the process over (wall time x threads) while decoding: 1 when its threads had the cores to themselves</param>
/// <param name="OneThreadDecodeTokensPerCpuSecond">decode at 1 thread, per second of CPU time: the work per token, whatever the wait for a core</param>
internal sealed record LlamaCppSpeedResult(
    double[] PromptTokensPerSecond, double[] DecodeTokensPerSecond, double DecodeCpuShare,
    double[] OneThreadDecodeTokensPerSecond, double[] OneThreadDecodeTokensPerCpuSecond,
    double LoadSeconds, bool LogitsFinite, long PeakRssKb, string SystemInfo);

/// <summary>
/// The child side of <c>gguf-speed</c>: loads one GGUF through LLamaSharp on the CPU and measures, as
/// llama-bench does, prompt processing (one batch of N token ids into an empty KV cache) and decoding
/// (M tokens one decode call each, from an empty KV cache, each the greedy choice after the last), after
/// one untimed warm-up (a full prompt and a short decode), then reports every timed repeat and the peak RSS;
/// then decodes once more on one thread and reports its speed per second of CPU time.
/// </summary>
internal static class LlamaCppSpeed
{
    private const int WarmUpDecodeTokens = 16;

    public static int Child(string[] args)
    {
        var (path, threads, context) = (args[0], Int(args[1]), Int(args[2]));
        var (promptTokens, decodeTokens, repeats) = (Int(args[3]), Int(args[4]), Int(args[5]));
        LlamaNative.EnsureLoaded();
        var parameters = new ModelParams(path)
        {
            ContextSize = (uint)context,
            // The whole prompt in one batch and one micro-batch, so pp measures one graph of N tokens.
            BatchSize = (uint)promptTokens,
            UBatchSize = (uint)promptTokens,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
        };
        var clock = Stopwatch.StartNew();
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var llama = weights.CreateContext(parameters);
        var loadSeconds = clock.Elapsed.TotalSeconds;

        var random = new Random(3);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => (LLamaToken)random.Next(weights.Vocab.Count)).ToArray();
        var batch = new LLamaBatch();
        var promptRates = new List<double>();
        var decodeRates = new List<double>();
        // Warm-up: the prompt allocates llama.cpp's compute buffers for a full batch and pages every weight in;
        // a few decode calls then allocate the one-token graph. Timing the first run would measure page faults.
        Prompt(llama, batch, prompt);
        Decode(llama, batch, prompt[0], Math.Min(decodeTokens, WarmUpDecodeTokens));
        double decodeWall = 0, decodeCpu = 0;
        for (var run = 0; run < repeats; run++)
        {
            promptRates.Add(promptTokens / Prompt(llama, batch, prompt));
            var (wall, cpu) = Decode(llama, batch, prompt[0], decodeTokens);
            decodeRates.Add(decodeTokens / wall);
            (decodeWall, decodeCpu) = (decodeWall + wall, decodeCpu + cpu);
        }

        // On a shared machine two threads wait for each other at every graph node whenever one of them waits for
        // a core, so wall-clock decode measures the scheduler as much as the model. One thread never waits for a
        // peer: its CPU time per token is the work the model's bytes cost, which is what pruning changes.
        llama.GenerationThreads = 1;
        Decode(llama, batch, prompt[0], Math.Min(decodeTokens, WarmUpDecodeTokens));
        var (oneWall, oneCpu) = Decode(llama, batch, prompt[0], decodeTokens);
        // Random weights of the wrong scale would overflow to inf/NaN and time a different computation.
        var finite = llama.NativeHandle.GetLogitsIth(0).ToArray().All(float.IsFinite);
        ChildProcess.Report(new LlamaCppSpeedResult([.. promptRates], [.. decodeRates], decodeCpu / (decodeWall * threads),
            [decodeTokens / oneWall], [decodeTokens / oneCpu],
            loadSeconds, finite, PeakRss.Kilobytes(), System.Runtime.InteropServices.Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info()) ?? ""));
        return 0;
    }

    private static double Prompt(LLamaContext llama, LLamaBatch batch, LLamaToken[] prompt)
    {
        llama.NativeHandle.MemoryClear(true);
        batch.Clear();
        for (var i = 0; i < prompt.Length; i++)
        {
            batch.Add(prompt[i], i, LLamaSeqId.Zero, logits: i == prompt.Length - 1);
        }
        var clock = Stopwatch.StartNew();
        Check(llama.NativeHandle.Decode(batch));
        llama.NativeHandle.Synchronize();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Wall-clock and process CPU seconds of <paramref name="count"/> decode calls.</summary>
    private static (double Wall, double Cpu) Decode(LLamaContext llama, LLamaBatch batch, LLamaToken first, int count)
    {
        llama.NativeHandle.MemoryClear(true);
        var token = first;
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        for (var position = 0; position < count; position++)
        {
            batch.Clear();
            batch.Add(token, position, LLamaSeqId.Zero, logits: true);
            Check(llama.NativeHandle.Decode(batch));
            token = ArgMax(llama.NativeHandle.GetLogitsIth(0));
        }
        return (clock.Elapsed.TotalSeconds, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
    }

    private static LLamaToken ArgMax(Span<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama.cpp could not decode the batch: {result}");
        }
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
