using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lop.Core.Errors;

namespace Lop.Core.Images;

/// <summary>
/// A model's image preprocessing as its <c>preprocessor_config.json</c> says (CLIPImageProcessor,
/// SiglipImageProcessor and others with the same fields): resize (shortest edge to N keeping the
/// aspect ratio, or to an exact height x width), centre crop, rescale (1/255), normalise with the
/// per-channel mean and std, in transformers' order. The result is float32 [3, H, W], channel-major.
/// </summary>
public sealed record ImagePreprocessor
{
    public const string FileName = "preprocessor_config.json";

    /// <summary>CLIP's normalisation, the default when a LLaVA folder has no preprocessor_config.json.</summary>
    public static readonly double[] ClipMean = [0.48145466, 0.4578275, 0.40821073];
    public static readonly double[] ClipStd = [0.26862954, 0.26130258, 0.27577711];

    public bool DoResize { get; init; } = true;

    /// <summary>Resize so the shorter side is this long (aspect kept); null when <see cref="ResizeHeight"/>/<see cref="ResizeWidth"/> are set.</summary>
    public int? ShortestEdge { get; init; }

    public int? ResizeHeight { get; init; }
    public int? ResizeWidth { get; init; }
    public bool DoCenterCrop { get; init; }
    public int CropHeight { get; init; }
    public int CropWidth { get; init; }
    public bool DoRescale { get; init; } = true;
    public double RescaleFactor { get; init; } = 1.0 / 255;
    public bool DoNormalize { get; init; } = true;
    public double[] Mean { get; init; } = ClipMean;
    public double[] Std { get; init; } = ClipStd;

    /// <summary>Output height.</summary>
    public int Height => DoCenterCrop ? CropHeight : ResizeHeight ?? ShortestEdge ?? CropHeight;

    /// <summary>Output width.</summary>
    public int Width => DoCenterCrop ? CropWidth : ResizeWidth ?? ShortestEdge ?? CropWidth;

    /// <summary>
    /// The folder's preprocessor_config.json, or, without one, CLIP's recipe at the vision tower's
    /// image size (shortest edge, centre crop, CLIP mean/std).
    /// </summary>
    public static ImagePreprocessor Load(string modelFolder, int defaultImageSize)
    {
        var path = Path.Combine(modelFolder, FileName);
        if (!File.Exists(path))
        {
            return new ImagePreprocessor
            {
                ShortestEdge = defaultImageSize,
                DoCenterCrop = true,
                CropHeight = defaultImageSize,
                CropWidth = defaultImageSize,
            };
        }
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new LopException(ErrorCodes.PreprocessorInvalid, $"{FileName} is not a JSON object.", path);
        }
        catch (JsonException ex)
        {
            throw new LopException(ErrorCodes.PreprocessorInvalid, $"{FileName} is not valid JSON: {ex.Message}", path, inner: ex);
        }
        return FromJson(json, path);
    }

    public static ImagePreprocessor FromJson(JsonObject json, string file)
    {
        var reader = new Fields(json, file);
        var siglip = reader.String("image_processor_type")?.StartsWith("Siglip", StringComparison.Ordinal) == true;
        var (shortest, height, width) = reader.Size("size");
        var doCrop = reader.Bool("do_center_crop", !siglip && json["crop_size"] is not null);
        var (_, cropHeight, cropWidth) = json["crop_size"] is null ? (null, shortest ?? height, shortest ?? width) : reader.Size("crop_size", exact: true);
        var preprocessor = new ImagePreprocessor
        {
            DoResize = reader.Bool("do_resize", true),
            ShortestEdge = shortest,
            ResizeHeight = height,
            ResizeWidth = width,
            DoCenterCrop = doCrop,
            CropHeight = cropHeight ?? 0,
            CropWidth = cropWidth ?? 0,
            DoRescale = reader.Bool("do_rescale", true),
            RescaleFactor = reader.Number("rescale_factor", 1.0 / 255),
            DoNormalize = reader.Bool("do_normalize", true),
            Mean = reader.Triple("image_mean", siglip ? [0.5, 0.5, 0.5] : ClipMean),
            Std = reader.Triple("image_std", siglip ? [0.5, 0.5, 0.5] : ClipStd),
        };
        if (preprocessor.Std.Any(s => s <= 0))
        {
            throw reader.Invalid("image_std", "must be positive");
        }
        if (preprocessor.Height <= 0 || preprocessor.Width <= 0)
        {
            throw reader.Invalid(doCrop ? "crop_size" : "size", "must give a positive output size");
        }
        return preprocessor;
    }

    /// <summary>Every setting, for cache keys.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"resize={DoResize}:{ShortestEdge}:{ResizeHeight}x{ResizeWidth} crop={DoCenterCrop}:{CropHeight}x{CropWidth} rescale={DoRescale}:{RescaleFactor:R} normalize={DoNormalize}:{string.Join(',', Mean.Select(m => m.ToString("R", CultureInfo.InvariantCulture)))}/{string.Join(',', Std.Select(m => m.ToString("R", CultureInfo.InvariantCulture)))}");

    /// <summary>float32 [3, <see cref="Height"/>, <see cref="Width"/>] for <paramref name="image"/>.</summary>
    public float[] Apply(RgbImage image)
    {
        var resized = image;
        if (DoResize)
        {
            var (h, w) = ShortestEdge is int edge ? ShortestEdgeSize(image.Height, image.Width, edge) : (ResizeHeight!.Value, ResizeWidth!.Value);
            resized = BicubicResize.Resize(image, w, h);
        }
        var cropped = DoCenterCrop ? CenterCrop(resized, CropHeight, CropWidth) : resized;
        var plane = cropped.Width * cropped.Height;
        var output = new float[3 * plane];
        for (var c = 0; c < 3; c++)
        {
            var scale = DoRescale ? RescaleFactor : 1.0;
            var mean = DoNormalize ? Mean[c] : 0.0;
            var std = DoNormalize ? Std[c] : 1.0;
            for (var p = 0; p < plane; p++)
            {
                output[c * plane + p] = (float)((cropped.Pixels[3 * p + c] * scale - mean) / std);
            }
        }
        return output;
    }

    /// <summary>transformers' get_resize_output_image_size: the short side becomes <paramref name="edge"/>, the long side scales with it (truncated).</summary>
    private static (int Height, int Width) ShortestEdgeSize(int height, int width, int edge) =>
        height <= width
            ? (edge, (int)((long)edge * width / height))
            : ((int)((long)edge * height / width), edge);

    /// <summary>transformers' center_crop: offsets floor((size - crop) / 2); an image smaller than the crop is padded with zeros.</summary>
    private static RgbImage CenterCrop(RgbImage image, int height, int width)
    {
        var result = new RgbImage(width, height);
        var top = (image.Height - height) / 2;
        var left = (image.Width - width) / 2;
        for (var y = 0; y < height; y++)
        {
            var sy = y + top;
            if (sy < 0 || sy >= image.Height)
            {
                continue;
            }
            for (var x = 0; x < width; x++)
            {
                var sx = x + left;
                if (sx >= 0 && sx < image.Width)
                {
                    result[x, y] = image[sx, sy];
                }
            }
        }
        return result;
    }

    /// <summary>Typed reads of preprocessor_config.json fields, each failure naming the file and field.</summary>
    private sealed class Fields(JsonObject json, string file)
    {
        public LopException Invalid(string field, string what) =>
            new(ErrorCodes.PreprocessorInvalid, $"{FileName}: {field} {what} (it is {json[field]?.ToJsonString() ?? "missing"}).", file);

        public string? String(string field) => json[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        public bool Bool(string field, bool fallback) => json[field] switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw Invalid(field, "must be true or false"),
        };

        public double Number(string field, double fallback) => json[field] switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue<double>(out var d) && d > 0 => d,
            _ => throw Invalid(field, "must be a positive number"),
        };

        public double[] Triple(string field, double[] fallback) => json[field] switch
        {
            null => fallback,
            JsonValue v when v.TryGetValue<double>(out var d) => [d, d, d],
            JsonArray { Count: 3 } a when a.All(n => n is JsonValue x && x.TryGetValue<double>(out _)) => a.Select(n => n!.GetValue<double>()).ToArray(),
            _ => throw Invalid(field, "must be a list of 3 numbers (one per RGB channel)"),
        };

        /// <summary>{"shortest_edge": N}, {"height": H, "width": W}, or a plain N (shortest edge, or a square when <paramref name="exact"/>).</summary>
        public (int? Shortest, int? Height, int? Width) Size(string field, bool exact = false)
        {
            int Positive(JsonNode? node, string name) => node is JsonValue v && v.TryGetValue<int>(out var i) && i > 0
                ? i
                : throw Invalid(field, $"needs a positive integer {name}");
            return json[field] switch
            {
                null => throw Invalid(field, "is required (the size images are resized to)"),
                JsonValue v when v.TryGetValue<int>(out var n) && n > 0 => exact ? (null, n, n) : (n, null, null),
                JsonObject o when o["shortest_edge"] is not null && !exact => (Positive(o["shortest_edge"], "shortest_edge"), null, null),
                JsonObject o when o["height"] is not null || o["width"] is not null => (null, Positive(o["height"], "height"), Positive(o["width"], "width")),
                _ => throw Invalid(field, exact ? "must be {\"height\": H, \"width\": W}" : "must be {\"shortest_edge\": N} or {\"height\": H, \"width\": W}"),
            };
        }
    }
}
