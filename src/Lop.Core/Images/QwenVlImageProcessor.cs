using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lop.Core.Errors;

namespace Lop.Core.Images;

/// <summary>
/// Qwen2VLImageProcessor (also Qwen2.5-VL's): smart resize to multiples of patch x merge, PIL bicubic,
/// rescale, CLIP mean/std, then patches in 2x2 merge-block order (<see cref="QwenVlPatches"/>). The
/// settings come from the folder's preprocessor_config.json (min_pixels/max_pixels, or
/// size.shortest_edge/longest_edge in newer files) or, without one, the Hub checkpoints' values.
/// </summary>
public sealed record QwenVlImageProcessor
{
    /// <summary>The Hub checkpoints' min_pixels (56 x 56) and max_pixels (the class default is smaller: always read the file).</summary>
    public const long HubMinPixels = 56 * 56;
    public const long HubMaxPixels = 12_845_056;

    public long MinPixels { get; init; } = HubMinPixels;
    public long MaxPixels { get; init; } = HubMaxPixels;
    public int PatchSize { get; init; } = 14;
    public int TemporalPatchSize { get; init; } = 2;
    public int MergeSize { get; init; } = 2;
    public double RescaleFactor { get; init; } = 1.0 / 255;
    public double[] Mean { get; init; } = ImagePreprocessor.ClipMean;
    public double[] Std { get; init; } = ImagePreprocessor.ClipStd;

    /// <summary>Each resized side is a multiple of this (28 for the Hub models).</summary>
    public int Factor => PatchSize * MergeSize;

    public static QwenVlImageProcessor Load(string modelFolder)
    {
        var path = Path.Combine(modelFolder, ImagePreprocessor.FileName);
        if (!File.Exists(path))
        {
            return new QwenVlImageProcessor();
        }
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new LopException(ErrorCodes.PreprocessorInvalid, $"{ImagePreprocessor.FileName} is not a JSON object.", path);
            return FromJson(json, path);
        }
        catch (JsonException ex)
        {
            throw new LopException(ErrorCodes.PreprocessorInvalid, $"{ImagePreprocessor.FileName} is not valid JSON: {ex.Message}", path, inner: ex);
        }
    }

    public static QwenVlImageProcessor FromJson(JsonObject json, string file)
    {
        var size = json["size"] as JsonObject;
        var fallback = new QwenVlImageProcessor();
        var processor = new QwenVlImageProcessor
        {
            MinPixels = Long(json["min_pixels"] ?? size?["shortest_edge"], "min_pixels", fallback.MinPixels, file),
            MaxPixels = Long(json["max_pixels"] ?? size?["longest_edge"], "max_pixels", fallback.MaxPixels, file),
            PatchSize = (int)Long(json["patch_size"], "patch_size", fallback.PatchSize, file),
            TemporalPatchSize = (int)Long(json["temporal_patch_size"], "temporal_patch_size", fallback.TemporalPatchSize, file),
            MergeSize = (int)Long(json["merge_size"], "merge_size", fallback.MergeSize, file),
            RescaleFactor = json["rescale_factor"] is JsonValue r && r.TryGetValue<double>(out var factor) ? factor : fallback.RescaleFactor,
            Mean = Triple(json["image_mean"], "image_mean", fallback.Mean, file),
            Std = Triple(json["image_std"], "image_std", fallback.Std, file),
        };
        if (processor.MinPixels > processor.MaxPixels || processor.Std.Any(s => s <= 0))
        {
            throw new LopException(ErrorCodes.PreprocessorInvalid,
                $"{ImagePreprocessor.FileName}: min_pixels ({processor.MinPixels}) must not exceed max_pixels ({processor.MaxPixels}) and image_std must be positive.", file);
        }
        return processor;
    }

    /// <summary>Every setting, for cache keys.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"qwen2-vl pixels={MinPixels}..{MaxPixels} patch={PatchSize}x{TemporalPatchSize} merge={MergeSize} rescale={RescaleFactor:R} mean={string.Join(',', Mean.Select(m => m.ToString("R", CultureInfo.InvariantCulture)))} std={string.Join(',', Std.Select(m => m.ToString("R", CultureInfo.InvariantCulture)))}");

    /// <summary>The normalised image float32 [3, H, W] at its smart-resized size (H and W multiples of <see cref="Factor"/>).</summary>
    public (float[] Values, int Height, int Width) Normalise(RgbImage image)
    {
        var (height, width) = SmartResize.Size(image.Height, image.Width, Factor, MinPixels, MaxPixels);
        var resized = BicubicResize.Resize(image, width, height);
        var plane = width * height;
        var output = new float[3 * plane];
        for (var c = 0; c < 3; c++)
        {
            for (var p = 0; p < plane; p++)
            {
                output[c * plane + p] = (float)((resized.Pixels[3 * p + c] * RescaleFactor - Mean[c]) / Std[c]);
            }
        }
        return (output, height, width);
    }

    /// <summary>The vision tower's input for one still image: its patches and grid.</summary>
    public QwenVlPatches Apply(RgbImage image)
    {
        var (values, height, width) = Normalise(image);
        return QwenVlPatches.FromStill(values, height, width, PatchSize, TemporalPatchSize, MergeSize);
    }

    private static long Long(JsonNode? node, string field, long fallback, string file) => node switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue<long>(out var n) && n > 0 => n,
        _ => throw new LopException(ErrorCodes.PreprocessorInvalid, $"{ImagePreprocessor.FileName}: {field} must be a positive integer (it is {node.ToJsonString()}).", file),
    };

    private static double[] Triple(JsonNode? node, string field, double[] fallback, string file) => node switch
    {
        null => fallback,
        JsonArray { Count: 3 } a when a.All(n => n is JsonValue x && x.TryGetValue<double>(out _)) => a.Select(n => n!.GetValue<double>()).ToArray(),
        _ => throw new LopException(ErrorCodes.PreprocessorInvalid, $"{ImagePreprocessor.FileName}: {field} must be a list of 3 numbers (it is {node.ToJsonString()}).", file),
    };
}
