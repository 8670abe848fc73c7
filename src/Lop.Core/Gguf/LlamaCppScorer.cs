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
/// Image+text sequences go through mtmd (the mmproj file): text before the image is decoded as
/// tokens, the image by mtmd from the original image file (its own preprocessing), the text after it
/// as tokens again. mtmd requests no logits for image positions, so a target right after the image
/// cannot be scored here: <see cref="Scores"/> says which targets were, so the engine's figure can be
/// taken over exactly the same ones.
/// </summary>
public sealed class LlamaCppScorer : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly int _capacity;
    private readonly MtmdWeights? _mtmd;
    private readonly int _imageTokenId;

    private LlamaCppScorer(LLamaWeights weights, LLamaContext context, int capacity, MtmdWeights? mtmd, int imageTokenId)
    {
        _weights = weights;
        _context = context;
        _capacity = capacity;
        _mtmd = mtmd;
        _imageTokenId = imageTokenId;
    }

    /// <param name="mmprojPath">a LLaVA variant's vision tower and projector, to score image+text sequences; null for text</param>
    /// <param name="imageTokenId">the token id that marks image positions in the sequences (config.json's image_token_index)</param>
    public static LlamaCppScorer Open(string ggufPath, int longestSequence, string? mmprojPath = null, int imageTokenId = -1)
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
        var context = weights.CreateContext(parameters);
        MtmdWeights? mtmd = null;
        if (mmprojPath is not null)
        {
            GgufFile.Read(mmprojPath);
            var mtmdParameters = MtmdContextParams.Default();
            mtmdParameters.UseGpu = false;
            mtmdParameters.NThreads = Math.Max(1, Environment.ProcessorCount);
            mtmdParameters.Warmup = false;
            mtmd = MtmdWeights.LoadFromFile(mmprojPath, weights, mtmdParameters);
        }
        return new LlamaCppScorer(weights, context, longestSequence, mtmd, imageTokenId);
    }

    public LlamaCppScore Score(IReadOnlyList<CalibrationSequence> sequences, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        double total = 0;
        long predicted = 0;
        foreach (var perTarget in Scores(sequences, progress, cancellation))
        {
            foreach (var nll in perTarget)
            {
                if (!double.IsNaN(nll))
                {
                    total += nll;
                    predicted++;
                }
            }
        }
        return new LlamaCppScore(total, predicted);
    }

    /// <summary>
    /// Per sequence, the NLL of each next-token target t (index t - 1, t = 1..length-1); NaN where
    /// the loss mask excludes t or llama.cpp gives no logits for position t - 1 (an image position).
    /// </summary>
    public double[][] Scores(IReadOnlyList<CalibrationSequence> sequences, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellation = default)
    {
        var result = new double[sequences.Count][];
        for (var s = 0; s < sequences.Count; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var sequence = sequences[s];
            if (sequence.Length > _capacity)
            {
                throw new ArgumentException($"sequence {s} has {sequence.Length} tokens, more than the {_capacity} this scorer was opened for");
            }
            _context.NativeHandle.MemoryClear(true);
            var logits = sequence.Image is null ? DecodeText(sequence.Tokens, 0, s) : DecodeWithImage(sequence, s);
            var scores = new double[Math.Max(0, sequence.Length - 1)];
            for (var t = 1; t < sequence.Length; t++)
            {
                var counted = sequence.LossMask is not { } mask || mask[t];
                scores[t - 1] = counted && logits.TryGetValue(t - 1, out var row) ? Nll(row, sequence.Tokens[t]) : double.NaN;
            }
            result[s] = scores;
            progress?.Report((s + 1, sequences.Count));
        }
        return result;
    }

    /// <summary>Decodes tokens at positions from <paramref name="start"/>; returns each position's logits.</summary>
    private Dictionary<int, float[]> DecodeText(ReadOnlySpan<int> tokens, int start, int sequence)
    {
        var logits = new Dictionary<int, float[]>();
        if (tokens.Length == 0)
        {
            return logits;
        }
        var batch = new LLamaBatch();
        for (var t = 0; t < tokens.Length; t++)
        {
            batch.Add((LLamaToken)tokens[t], start + t, LLamaSeqId.Zero, logits: true);
        }
        var result = _context.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new LopException(ErrorCodes.GgufInvalid, $"llama.cpp could not decode sequence {sequence}: {result}.");
        }
        var vocab = _weights.Vocab.Count;
        for (var t = 0; t < tokens.Length; t++)
        {
            logits[start + t] = _context.NativeHandle.GetLogitsIth(t)[..vocab].ToArray();
        }
        return logits;
    }

    /// <summary>Text before the image as tokens, the image through mtmd, the text after it as tokens.</summary>
    private Dictionary<int, float[]> DecodeWithImage(CalibrationSequence sequence, int index)
    {
        if (_mtmd is null)
        {
            throw new LopException(ErrorCodes.InvalidArgument, "image+text sequences need the variant's mmproj file to be scored by llama.cpp.");
        }
        var tokens = sequence.Tokens;
        var first = Array.IndexOf(tokens, _imageTokenId);
        var last = Array.LastIndexOf(tokens, _imageTokenId);
        if (first < 0 || tokens.AsSpan(first, last - first + 1).ContainsAnyExcept(_imageTokenId))
        {
            throw new LopException(ErrorCodes.InvalidArgument, $"sequence {index} has an image but not one run of image tokens ({_imageTokenId}).");
        }
        var source = sequence.Image!.Source ?? throw new LopException(ErrorCodes.InvalidArgument, $"sequence {index}'s image has no file for mtmd to read.");
        var logits = DecodeText(tokens.AsSpan(0, first), 0, index);
        _mtmd.ClearMedia();
        using (var media = _mtmd.LoadMedia(source))
        {
            var marker = MtmdContextParams.Default().MediaMarker ?? "<__media__>";
            if (_mtmd.Tokenize(marker, false, false, out var chunks) != 0 || chunks is null)
            {
                throw new LopException(ErrorCodes.ImageUnreadable, $"mtmd could not tokenize the image {source}.", source);
            }
            using (chunks)
            {
                // The marker alone may still come back with text chunks around the image (a BOS or a
                // separator, depending on the model's chat setup); the sequence's own tokens are what we
                // score, so only the image chunk is evaluated here.
                var past = first;
                foreach (var chunk in chunks.Enumerate())
                {
                    if (chunk.Type == SafeMtmdInputChunk.SafeMtmdInputChunkType.Text)
                    {
                        continue;
                    }
                    if (_mtmd.NativeHandle.EvaluateChunk(chunk.NativePtr, _context.NativeHandle, ref past, 0, _capacity, false) != 0)
                    {
                        throw new LopException(ErrorCodes.GgufInvalid, $"mtmd could not evaluate the image {source}.", source);
                    }
                }
                if (past != last + 1)
                {
                    throw new LopException(ErrorCodes.GgufInvalid,
                        $"mtmd turned {source} into {past - first} positions, but the calibration sequence has {last - first + 1} image tokens; the mmproj and the model disagree.", source);
                }
            }
        }
        foreach (var (position, row) in DecodeText(tokens.AsSpan(last + 1), last + 1, index))
        {
            logits[position] = row;
        }
        return logits;
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
        _mtmd?.Dispose();
        _context.Dispose();
        _weights.Dispose();
    }
}
