using Lop.Core.Errors;

namespace Lop.Core.Images;

/// <summary>
/// Qwen2-VL's smart_resize: the size an image is resized to before patching, each side a multiple of
/// <c>factor</c> (patch size times merge size, 28), the area kept within [minPixels, maxPixels] and the
/// aspect ratio kept as nearly as those allow. Rounding is Python's round (half to even), as transformers'.
/// </summary>
internal static class SmartResize
{
    public const int MaxAspectRatio = 200;

    public static (int Height, int Width) Size(int height, int width, int factor, long minPixels, long maxPixels)
    {
        if (height < factor || width < factor)
        {
            throw new LopException(ErrorCodes.ImageSizeUnsupported,
                $"the image is {width}x{height} pixels; Qwen2-VL needs both sides at least {factor} (one merged patch).");
        }
        if ((double)Math.Max(height, width) / Math.Min(height, width) > MaxAspectRatio)
        {
            throw new LopException(ErrorCodes.ImageSizeUnsupported,
                $"the image is {width}x{height} pixels; Qwen2-VL takes aspect ratios up to {MaxAspectRatio}, this one is {(double)Math.Max(height, width) / Math.Min(height, width):0.#}.");
        }
        var h = (int)Math.Round((double)height / factor, MidpointRounding.ToEven) * factor;
        var w = (int)Math.Round((double)width / factor, MidpointRounding.ToEven) * factor;
        if ((long)h * w > maxPixels)
        {
            var beta = Math.Sqrt((double)height * width / maxPixels);
            h = Math.Max(factor, (int)Math.Floor(height / beta / factor) * factor);
            w = Math.Max(factor, (int)Math.Floor(width / beta / factor) * factor);
        }
        else if ((long)h * w < minPixels)
        {
            var beta = Math.Sqrt((double)minPixels / ((double)height * width));
            h = (int)Math.Ceiling(height * beta / factor) * factor;
            w = (int)Math.Ceiling(width * beta / factor) * factor;
        }
        return (h, w);
    }
}
