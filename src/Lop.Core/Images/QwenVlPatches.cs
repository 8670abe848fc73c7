namespace Lop.Core.Images;

/// <summary>
/// Qwen2-VL's vision input: patches [GridT * GridH * GridW, 3 * temporal * patch * patch] and the grid
/// (image_grid_thw). Rows go 2x2 merge block by merge block (row-major over blocks, row-major inside one),
/// so the merger's four consecutive rows are one block; each row's features go channel, frame, y, x.
/// </summary>
public sealed record QwenVlPatches(float[] Values, int GridT, int GridH, int GridW, int PatchSize, int TemporalPatchSize)
{
    public int Rows => GridT * GridH * GridW;

    public int Features => 3 * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>
    /// Patches of a still image [3, height, width] (sides multiples of patch x merge): the image is repeated
    /// to fill one temporal patch, as transformers pads a single frame with copies of itself.
    /// </summary>
    public static QwenVlPatches FromStill(float[] image, int height, int width, int patchSize, int temporalPatchSize, int mergeSize)
    {
        var factor = patchSize * mergeSize;
        if (height % factor != 0 || width % factor != 0 || image.Length != 3 * height * width)
        {
            throw new ArgumentException($"a {width}x{height} image with {image.Length} values is not patchable by {factor}");
        }
        var gridH = height / patchSize;
        var gridW = width / patchSize;
        var features = 3 * temporalPatchSize * patchSize * patchSize;
        var values = new float[gridH * gridW * features];
        var row = 0;
        for (var blockY = 0; blockY < gridH / mergeSize; blockY++)
        {
            for (var blockX = 0; blockX < gridW / mergeSize; blockX++)
            {
                for (var my = 0; my < mergeSize; my++)
                {
                    for (var mx = 0; mx < mergeSize; mx++, row++)
                    {
                        var top = (blockY * mergeSize + my) * patchSize;
                        var left = (blockX * mergeSize + mx) * patchSize;
                        var f = row * features;
                        for (var c = 0; c < 3; c++)
                        {
                            for (var t = 0; t < temporalPatchSize; t++)
                            {
                                for (var y = 0; y < patchSize; y++)
                                {
                                    for (var x = 0; x < patchSize; x++)
                                    {
                                        values[f++] = image[(c * height + top + y) * width + left + x];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new QwenVlPatches(values, 1, gridH, gridW, patchSize, temporalPatchSize);
    }
}
