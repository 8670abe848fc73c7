using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lop.Core.Errors;
using Lop.Core.Images;

namespace Lop.Core.Calibration;

/// <summary>
/// Image+text calibration for a LLaVA or Qwen2-VL model: JSONL records <c>{"image": "path", "text": "..."}</c>
/// (image paths relative to the JSONL file). Each record is one sequence: the text's tokens with one
/// image's worth of image tokens where the text says <c>&lt;image&gt;</c> (in front when it does not),
/// the image decoded and preprocessed as the model's preprocessor_config.json says, and the loss on the
/// text tokens only. Records, not windows, are split into search and held-out parts by the seed.
/// </summary>
public static class ImageTextCalibration
{
    public const string ImagePlaceholder = "<image>";

    /// <summary>What the model needs from a record: how many image tokens, with which id, and its preprocessing.</summary>
    public sealed record ImageSettings(int ImageTokenId, int ImageTokens, ImagePreprocessor? Preprocessor)
    {
        /// <summary>
        /// Qwen2-VL's preprocessing instead of <see cref="Preprocessor"/>: each image keeps its smart-resized
        /// size, so its token count (one per 2x2 merge block) is its own and <see cref="ImageTokens"/> is unused.
        /// </summary>
        public QwenVlImageProcessor? QwenVl { get; init; }

        /// <summary>Tokens around the image tokens (Qwen2-VL's vision start and end), or none.</summary>
        public int[] Before { get; init; } = [];

        public int[] After { get; init; } = [];

        public ImagePixels Prepare(RgbImage rgb, string? source = null)
        {
            if (QwenVl is { } qwen)
            {
                var (values, height, width) = qwen.Normalise(rgb);
                return new ImagePixels(values, height, width) { Source = source };
            }
            return new ImagePixels(Preprocessor!.Apply(rgb), Preprocessor.Height, Preprocessor.Width) { Source = source };
        }

        public int TokensFor(ImagePixels pixels) => QwenVl is { } qwen ? pixels.Height / qwen.Factor * (pixels.Width / qwen.Factor) : ImageTokens;

        /// <summary>The tokens an image takes in a sequence: <see cref="Before"/>, one image token per feature, <see cref="After"/>.</summary>
        public int[] ImageSpan(ImagePixels pixels) => [.. Before, .. Enumerable.Repeat(ImageTokenId, TokensFor(pixels)), .. After];

        public string Describe() => QwenVl is { } qwen
            ? $"{qwen.Describe()} around={string.Join(',', Before)}|{string.Join(',', After)}"
            : Preprocessor!.Describe();
    }

    /// <summary>True when the first record of a JSONL file names an image.</summary>
    public static bool HasImages(string path)
    {
        if (!File.Exists(path) || Path.GetExtension(path).ToLowerInvariant() is ".txt" or ".text" or ".md")
        {
            return false;
        }
        using var stream = File.OpenRead(path);
        foreach (var line in Utf8LineReader.ReadLines(stream, path))
        {
            if (string.IsNullOrWhiteSpace(line.Text))
            {
                continue;
            }
            // A line that is not JSON is no image record; the text reader reports it properly.
            using var record = CalibrationRecord.TryParse(line.Text);
            return record is { NamesImage: true };
        }
        return false;
    }

    /// <param name="maxTextTokens">text tokens kept per record (the calibration sequence length); longer texts are cut</param>
    public static CalibrationSet Load(
        string path,
        ITokenizer? tokenizer,
        ImageSettings image,
        int maxTextTokens,
        double heldOutFraction = CalibrationOptions.DefaultHeldOutFraction,
        int seed = CalibrationOptions.DefaultSeed,
        int? maxSequences = null,
        int? vocabSize = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        if (!File.Exists(path))
        {
            throw new LopException(ErrorCodes.CalibrationMissing, $"Calibration file '{path}' does not exist. Check the calibration path.", path);
        }
        if (tokenizer is null)
        {
            throw new LopException(ErrorCodes.TokenizerUnavailable,
                "Image+text calibration needs the model's tokenizer, but none is available; add the tokenizer files to the model folder.", path);
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var records = new List<CalibrationSequence>();
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var decoded = new Dictionary<string, ImagePixels>(StringComparer.Ordinal);
        using (var stream = File.OpenRead(path))
        {
            hash.AppendData(File.ReadAllBytes(path));
            foreach (var line in Utf8LineReader.ReadLines(stream, path))
            {
                if (string.IsNullOrWhiteSpace(line.Text))
                {
                    continue;
                }
                var (imagePath, text) = ParseRecord(line, path);
                if (!decoded.TryGetValue(imagePath, out var pixels))
                {
                    var full = Path.Combine(folder, imagePath);
                    var rgb = ImageFile.Read(full, path, line.Number);
                    hash.AppendData(Encoding.UTF8.GetBytes($"\n{imagePath}\n"));
                    hash.AppendData(File.ReadAllBytes(full));
                    pixels = PrepareAt(image, rgb, full, path, line.Number);
                    decoded[imagePath] = pixels;
                }
                records.Add(Sequence(text, pixels, tokenizer, image, maxTextTokens, vocabSize, path, line.Number));
            }
        }
        if (records.Count < 2)
        {
            throw new LopException(ErrorCodes.CalibrationTooSmall,
                $"The calibration file has {records.Count} image+text record(s) but needs at least 2 (one search, one held-out).", path);
        }
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n',
            "lop-image-text-calibration-v1",
            $"tokenizer={tokenizer.Name}",
            $"imageToken={image.ImageTokenId}x{image.ImageTokens}",
            $"preprocessor={image.Describe()}",
            $"maxTextTokens={maxTextTokens}",
            $"heldOutFraction={heldOutFraction.ToString("R", CultureInfo.InvariantCulture)}",
            $"seed={seed}",
            $"maxSequences={maxSequences?.ToString(CultureInfo.InvariantCulture) ?? "-"}")));
        var (search, heldOut) = Split(records, heldOutFraction, seed, maxSequences);
        return new CalibrationSet(maxTextTokens, search, heldOut, records.Sum(r => (long)r.Length), Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>The image preprocessed, an image the model cannot take (LOP3009) located at its calibration line.</summary>
    private static ImagePixels PrepareAt(ImageSettings image, RgbImage rgb, string full, string path, int line)
    {
        try
        {
            return image.Prepare(rgb, Path.GetFullPath(full));
        }
        catch (LopException e) when (e.Code == ErrorCodes.ImageSizeUnsupported && e.Line is null)
        {
            throw new LopException(e.Code, $"Line {line}: {e.Message}", path, line, inner: e);
        }
    }

    private static (string Image, string Text) ParseRecord(Utf8LineReader.Line line, string path)
    {
        CalibrationRecord record;
        try
        {
            record = CalibrationRecord.Parse(line.Text);
        }
        catch (JsonException ex)
        {
            throw new LopException(ErrorCodes.CalibrationLineInvalid,
                $"Line {line.Number} is not valid JSON: {ex.Message} Each line must be an object such as {{\"image\": \"images/1.png\", \"text\": \"...\"}}.",
                path, line.Number, inner: ex);
        }
        using (record)
        {
            if (record.ImagePath is not { } image || record.Text is not { } text)
            {
                throw new LopException(ErrorCodes.CalibrationLineInvalid,
                    $"Line {line.Number} needs an \"image\" path and a \"text\" string, as in {{\"image\": \"images/1.png\", \"text\": \"...\"}}; "
                    + "image+text calibration takes one image per line.", path, line.Number);
            }
            return (image, text);
        }
    }

    private static CalibrationSequence Sequence(string text, ImagePixels pixels, ITokenizer tokenizer, ImageSettings image,
        int maxTextTokens, int? vocabSize, string path, int line)
    {
        var at = text.IndexOf(ImagePlaceholder, StringComparison.Ordinal);
        if (at >= 0 && text.IndexOf(ImagePlaceholder, at + 1, StringComparison.Ordinal) >= 0)
        {
            throw new LopException(ErrorCodes.CalibrationLineInvalid, $"Line {line} has more than one {ImagePlaceholder}; each record has one image.", path, line);
        }
        var before = at < 0 ? [] : tokenizer.Encode(text[..at]);
        var after = tokenizer.Encode(at < 0 ? text : text[(at + ImagePlaceholder.Length)..]);
        var keepAfter = Math.Max(0, Math.Min(after.Length, maxTextTokens - before.Length));
        var imageSpan = image.ImageSpan(pixels);
        var tokens = before.Concat(imageSpan).Concat(after.Take(keepAfter)).ToArray();
        var mask = new bool[tokens.Length];
        for (var t = 0; t < tokens.Length; t++)
        {
            var isText = t < before.Length || t >= before.Length + imageSpan.Length;
            if (isText)
            {
                var id = tokens[t];
                if (id < 0 || (vocabSize is int v && id >= v) || id == image.ImageTokenId)
                {
                    throw new LopException(ErrorCodes.TokenOutOfRange,
                        $"Line {line}: the text gives token id {id}, which is {(id == image.ImageTokenId ? "the image token" : "outside the vocabulary")}; "
                        + "check that the tokenizer belongs to this model.", path, line);
                }
            }
            mask[t] = isText && t > 0; // position 0 has nothing before it to predict it from
        }
        if (before.Length + keepAfter == 0)
        {
            throw new LopException(ErrorCodes.CalibrationLineInvalid, $"Line {line} has no text to predict; give each image a caption or question and answer.", path, line);
        }
        return new CalibrationSequence(tokens) { Image = pixels, LossMask = mask };
    }

    private static (CalibrationSequence[] Search, CalibrationSequence[] HeldOut) Split(List<CalibrationSequence> records, double heldOutFraction, int seed, int? maxSequences)
    {
        var order = Enumerable.Range(0, records.Count).ToArray();
        new SplitMix64(unchecked((ulong)seed)).Shuffle(order);
        var used = Math.Min(order.Length, maxSequences ?? int.MaxValue);
        var heldOutCount = (int)Math.Clamp(Math.Round(used * heldOutFraction, MidpointRounding.AwayFromZero), 1, used - 1);
        var heldOut = order.Take(heldOutCount).Select(i => records[i]).ToArray();
        var search = order.Skip(heldOutCount).Take(used - heldOutCount).Select(i => records[i]).ToArray();
        return (search, heldOut);
    }
}
