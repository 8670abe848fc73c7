using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Lop.Core.Errors;

namespace Lop.Core.Calibration;

/// <summary>
/// Calibration documents cut into fixed-length token windows and split, by seed, into a search part
/// (importance scores and ratio search) and a held-out part (evaluation). Windows rather than documents
/// are shuffled so one long document cannot land entirely on one side.
/// </summary>
public sealed class CalibrationSet
{
    internal CalibrationSet(int sequenceLength, CalibrationSequence[] search, CalibrationSequence[] heldOut, long tokenCount, string contentHash)
    {
        SequenceLength = sequenceLength;
        Search = search;
        HeldOut = heldOut;
        TokenCount = tokenCount;
        ContentHash = contentHash;
    }

    public int SequenceLength { get; }

    /// <summary>Sequences for importance and search: text windows of exactly <see cref="SequenceLength"/> tokens, or image+text records.</summary>
    public CalibrationSequence[] Search { get; }

    /// <summary>Sequences for evaluation, disjoint from <see cref="Search"/>.</summary>
    public CalibrationSequence[] HeldOut { get; }

    /// <summary>True when the sequences carry images (a vision-language model's calibration).</summary>
    public bool HasImages => Search.Length > 0 && Search[0].Image is not null;

    /// <summary>Tokens in the concatenated stream (separators included), before the tail is dropped.</summary>
    public long TokenCount { get; }

    /// <summary>SHA-256 hex of the source and every setting that changes the windows; a cache key.</summary>
    public string ContentHash { get; }

    /// <summary>Windows from documents already in memory; the hash covers their token ids.</summary>
    public static CalibrationSet Create(
        IReadOnlyList<int[]> documents,
        int sequenceLength,
        double heldOutFraction = CalibrationOptions.DefaultHeldOutFraction,
        int seed = CalibrationOptions.DefaultSeed,
        int? maxSequences = null,
        int? separatorTokenId = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        Validate(sequenceLength, heldOutFraction, maxSequences, separatorTokenId);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, "documents");
        Span<byte> buffer = stackalloc byte[4];
        foreach (var document in documents)
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, document.Length);
            hash.AppendData(buffer);
            foreach (var id in document)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, id);
                hash.AppendData(buffer);
            }
        }
        var contentHash = FinishHash(hash, null, sequenceLength, heldOutFraction, seed, maxSequences, separatorTokenId);
        return Build(documents, sequenceLength, heldOutFraction, seed, maxSequences, separatorTokenId, contentHash, null);
    }

    /// <summary>Reads <paramref name="path"/> with <see cref="CalibrationReader"/> and cuts it into windows.</summary>
    public static CalibrationSet Load(
        string path,
        ITokenizer? tokenizer,
        int sequenceLength,
        double heldOutFraction = CalibrationOptions.DefaultHeldOutFraction,
        int seed = CalibrationOptions.DefaultSeed,
        int? maxSequences = null,
        int? separatorTokenId = null,
        int? vocabSize = null)
    {
        Validate(sequenceLength, heldOutFraction, maxSequences, separatorTokenId);
        var documents = CalibrationReader.Read(path, tokenizer, vocabSize);
        var contentHash = ComputeContentHash(path, tokenizer, sequenceLength, heldOutFraction, seed, maxSequences, separatorTokenId);
        return Build(documents, sequenceLength, heldOutFraction, seed, maxSequences, separatorTokenId, contentHash, path);
    }

    /// <summary>
    /// The <see cref="ContentHash"/> that <see cref="Load"/> would give, computed from the file bytes alone
    /// so a cache can be checked before the (possibly slow) tokenization. The tokenizer's name is included
    /// because the same text gives other ids under another tokenizer.
    /// </summary>
    public static string ComputeContentHash(
        string path,
        ITokenizer? tokenizer,
        int sequenceLength,
        double heldOutFraction = CalibrationOptions.DefaultHeldOutFraction,
        int seed = CalibrationOptions.DefaultSeed,
        int? maxSequences = null,
        int? separatorTokenId = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendText(hash, "file");
        try
        {
            using var stream = File.OpenRead(path);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new LopException(ErrorCodes.CalibrationMissing,
                $"Calibration file '{path}' cannot be read: {ex.Message} Check the calibration path.", path, inner: ex);
        }
        return FinishHash(hash, tokenizer?.Name ?? "none", sequenceLength, heldOutFraction, seed, maxSequences, separatorTokenId);
    }

    private static void Validate(int sequenceLength, double heldOutFraction, int? maxSequences, int? separatorTokenId)
    {
        if (sequenceLength < 1)
        {
            throw new LopException(ErrorCodes.InvalidArgument, $"The calibration sequence length must be at least 1, not {sequenceLength}.");
        }
        if (!(heldOutFraction > 0 && heldOutFraction < 1))
        {
            throw new LopException(ErrorCodes.InvalidArgument,
                $"The held-out fraction must be between 0 and 1 (exclusive), not {heldOutFraction.ToString(CultureInfo.InvariantCulture)}.");
        }
        if (maxSequences is < 2)
        {
            throw new LopException(ErrorCodes.InvalidArgument,
                $"The maximum number of calibration sequences must be at least 2 (one search, one held-out), not {maxSequences}.");
        }
        if (separatorTokenId is < 0)
        {
            throw new LopException(ErrorCodes.InvalidArgument, $"The separator token id must not be negative ({separatorTokenId}).");
        }
    }

    private static CalibrationSet Build(
        IReadOnlyList<int[]> documents,
        int sequenceLength,
        double heldOutFraction,
        int seed,
        int? maxSequences,
        int? separatorTokenId,
        string contentHash,
        string? path)
    {
        long total = 0;
        foreach (var document in documents)
        {
            total += document.Length;
        }
        if (separatorTokenId is not null && documents.Count > 1)
        {
            total += documents.Count - 1;
        }

        var windowCount = total / sequenceLength;
        if (windowCount < 2)
        {
            throw new LopException(ErrorCodes.CalibrationTooSmall,
                $"The calibration data has {total} tokens but needs at least {2L * sequenceLength} "
                + $"(one search and one held-out sequence of {sequenceLength} tokens). Add more calibration text or lower the sequence length.",
                path);
        }
        if (windowCount > Array.MaxLength)
        {
            windowCount = Array.MaxLength;
        }

        var order = new int[windowCount];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        // The seed is widened and mixed by SplitMix64 itself, so nearby seeds still give unrelated orders.
        new SplitMix64(unchecked((ulong)seed)).Shuffle(order);

        var used = (int)Math.Min(order.Length, maxSequences ?? int.MaxValue);
        var heldOutCount = (int)Math.Clamp(Math.Round(used * heldOutFraction, MidpointRounding.AwayFromZero), 1, used - 1);

        // Allocate only the chosen windows, then fill them in one pass over the token stream.
        var windows = new int[]?[windowCount];
        var heldOut = new int[heldOutCount][];
        var search = new int[used - heldOutCount][];
        for (var i = 0; i < used; i++)
        {
            var window = new int[sequenceLength];
            windows[order[i]] = window;
            if (i < heldOutCount)
            {
                heldOut[i] = window;
            }
            else
            {
                search[i - heldOutCount] = window;
            }
        }
        Fill(documents, separatorTokenId, sequenceLength, windows);
        return new CalibrationSet(sequenceLength, CalibrationSequence.FromTokens(search), CalibrationSequence.FromTokens(heldOut), total, contentHash);
    }

    private static void Fill(IReadOnlyList<int[]> documents, int? separator, int sequenceLength, int[]?[] windows)
    {
        long position = 0;
        var end = (long)windows.Length * sequenceLength;
        for (var d = 0; d < documents.Count && position < end; d++)
        {
            if (d > 0 && separator is int sep)
            {
                Put(sep);
            }
            foreach (var id in documents[d])
            {
                if (position >= end)
                {
                    break;
                }
                Put(id);
            }
        }

        void Put(int id)
        {
            if (position < end && windows[position / sequenceLength] is { } window)
            {
                window[position % sequenceLength] = id;
            }
            position++;
        }
    }

    private static void AppendText(IncrementalHash hash, string text)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
    }

    private static string FinishHash(IncrementalHash hash, string? tokenizer, int sequenceLength, double heldOutFraction,
        int seed, int? maxSequences, int? separatorTokenId)
    {
        // Versioned so a change to the windowing or split can invalidate old caches.
        AppendText(hash, string.Join('\n',
            "lop-calibration-v1",
            $"tokenizer={tokenizer ?? "-"}",
            $"sequenceLength={sequenceLength}",
            $"heldOutFraction={heldOutFraction.ToString("R", CultureInfo.InvariantCulture)}",
            $"seed={seed}",
            $"maxSequences={maxSequences?.ToString(CultureInfo.InvariantCulture) ?? "-"}",
            $"separator={separatorTokenId?.ToString(CultureInfo.InvariantCulture) ?? "-"}"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
