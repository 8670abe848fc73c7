using Lop.Core.Calibration;
using Lop.Core.Errors;
using LLama;
using LLama.Common;
using LLama.Native;

namespace Lop.Core.Gguf;

/// <summary>Summed next-token NLL and the number of predicted tokens, as llama.cpp computed them.</summary>
public readonly record struct LlamaCppScore(double TotalNll, long PredictedTokens)
{
    public double MeanNll => PredictedTokens == 0 ? double.NaN : TotalNll / PredictedTokens;

    public double Perplexity => Math.Exp(MeanNll);
}

/// <summary>
/// Scores token sequences with llama.cpp on a GGUF file: the same token ids the engine scores, fed
/// straight to llama.cpp's decoder (no tokenizer in between), every position's logits read back and
/// turned into the next-token NLL here. An implementation that shares no code with the engine, so
/// agreement checks the export (tensor names, row order, widths, norms) rather than our own maths.
/// The KV cache is kept in f32 so that the comparison measures the weights' type, not the cache's.
/// </summary>
public sealed class LlamaCppScorer : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly int _capacity;

    private LlamaCppScorer(LLamaWeights weights, LLamaContext context, int capacity)
    {
        _weights = weights;
        _context = context;
        _capacity = capacity;
    }

    public static LlamaCppScorer Open(string ggufPath, int longestSequence)
    {
        LlamaNative.EnsureLoaded();
        GgufFile.Read(ggufPath); // a damaged file gets our coded error, not llama.cpp's abort
        var parameters = new ModelParams(ggufPath)
        {
            ContextSize = (uint)longestSequence,
            BatchSize = (uint)longestSequence,
            UBatchSize = (uint)longestSequence,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            Threads = Math.Max(1, Environment.ProcessorCount),
        };
        LLamaWeights weights;
        try
        {
            weights = LLamaWeights.LoadFromFile(parameters);
        }
        catch (LLama.Exceptions.LoadWeightsFailedException ex)
        {
            throw new LopException(ErrorCodes.GgufInvalid, $"llama.cpp could not load {ggufPath} ({ex.Message}); run with LOP_DEBUG=1 to see its log.", ggufPath, inner: ex);
        }
        return new LlamaCppScorer(weights, weights.CreateContext(parameters), longestSequence);
    }

    public LlamaCppScore Score(IReadOnlyList<CalibrationSequence> sequences, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        double total = 0;
        long predicted = 0;
        var batch = new LLamaBatch();
        var vocab = _weights.Vocab.Count;
        for (var s = 0; s < sequences.Count; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var sequence = sequences[s];
            if (sequence.Image is not null)
            {
                throw new LopException(ErrorCodes.InvalidArgument, "image+text sequences are scored through mtmd, not as plain tokens.");
            }
            if (sequence.Length > _capacity)
            {
                throw new ArgumentException($"sequence {s} has {sequence.Length} tokens, more than the {_capacity} this scorer was opened for");
            }
            _context.NativeHandle.MemoryClear(true);
            batch.Clear();
            for (var t = 0; t < sequence.Length; t++)
            {
                batch.Add((LLamaToken)sequence.Tokens[t], t, LLamaSeqId.Zero, logits: true);
            }
            var result = _context.NativeHandle.Decode(batch);
            if (result != DecodeResult.Ok)
            {
                throw new LopException(ErrorCodes.GgufInvalid, $"llama.cpp could not decode sequence {s}: {result}.");
            }
            for (var t = 0; t + 1 < sequence.Length; t++)
            {
                if (sequence.LossMask is { } mask && !mask[t + 1])
                {
                    continue;
                }
                total += Nll(_context.NativeHandle.GetLogitsIth(t)[..vocab], sequence.Tokens[t + 1]);
                predicted++;
            }
            progress?.Report((s + 1, sequences.Count));
        }
        return new LlamaCppScore(total, predicted);
    }

    /// <summary>-log softmax(logits)[target], in double with the max subtracted.</summary>
    internal static double Nll(ReadOnlySpan<float> logits, int target)
    {
        double max = double.NegativeInfinity;
        foreach (var value in logits)
        {
            max = Math.Max(max, value);
        }
        double sum = 0;
        foreach (var value in logits)
        {
            sum += Math.Exp(value - max);
        }
        return Math.Log(sum) + max - logits[target];
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
