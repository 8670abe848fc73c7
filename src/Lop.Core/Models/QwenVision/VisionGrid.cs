namespace Lop.Core.Models.QwenVision;

/// <summary>
/// The host-side bookkeeping of Qwen2-VL's vision tower for images of grids (t, h, w) in patches: each
/// patch row's 2D position, the frame segments full attention stays within, and Qwen2.5-VL's windows.
/// Rows are in merge-block order (the image processor's), so positions follow that order too.
/// </summary>
internal static class VisionGrid
{
    /// <summary>(row, column) of every patch row, [rows, 2], in merge-block order, frames repeating the same positions.</summary>
    public static long[,] Positions(IReadOnlyList<(int T, int H, int W)> grids, int merge)
    {
        var positions = new long[grids.Sum(g => g.T * g.H * g.W), 2];
        var row = 0;
        foreach (var (t, h, w) in grids)
        {
            for (var frame = 0; frame < t; frame++)
            {
                for (var blockY = 0; blockY < h / merge; blockY++)
                {
                    for (var blockX = 0; blockX < w / merge; blockX++)
                    {
                        for (var y = 0; y < merge; y++)
                        {
                            for (var x = 0; x < merge; x++, row++)
                            {
                                positions[row, 0] = blockY * merge + y;
                                positions[row, 1] = blockX * merge + x;
                            }
                        }
                    }
                }
            }
        }
        return positions;
    }

    /// <summary>Row offsets of each frame: [0, h*w, 2*h*w, ...] over every image (cu_seqlens).</summary>
    public static int[] FrameBoundaries(IReadOnlyList<(int T, int H, int W)> grids)
    {
        var bounds = new List<int> { 0 };
        foreach (var (t, h, w) in grids)
        {
            for (var frame = 0; frame < t; frame++)
            {
                bounds.Add(bounds[^1] + h * w);
            }
        }
        return [.. bounds];
    }

    /// <summary>
    /// Qwen2.5-VL's get_window_index: merged tokens grouped into windows of side × side merged tokens,
    /// windows row-major within each frame (the merged grid padded to whole windows, which may leave a
    /// window empty), and the row offsets where windows end (cu_window_seqlens, empty windows collapsed).
    /// <c>Order[k]</c> is the merged token (in the image processor's order) that goes k-th.
    /// </summary>
    public static (int[] Order, int[] Boundaries) Windows(IReadOnlyList<(int T, int H, int W)> grids, int merge, int side)
    {
        var order = new List<int>();
        var bounds = new List<int> { 0 };
        var unit = merge * merge;
        var offset = 0;
        foreach (var (t, h, w) in grids)
        {
            var (mergedH, mergedW) = (h / merge, w / merge);
            // transformers pads by side - (n % side): a whole empty window row/column when n is already a multiple.
            var windowsH = (mergedH + side - mergedH % side) / side;
            var windowsW = (mergedW + side - mergedW % side) / side;
            for (var frame = 0; frame < t; frame++)
            {
                for (var wy = 0; wy < windowsH; wy++)
                {
                    for (var wx = 0; wx < windowsW; wx++)
                    {
                        var count = 0;
                        for (var y = wy * side; y < Math.Min((wy + 1) * side, mergedH); y++)
                        {
                            for (var x = wx * side; x < Math.Min((wx + 1) * side, mergedW); x++, count++)
                            {
                                order.Add(offset + (frame * mergedH + y) * mergedW + x);
                            }
                        }
                        if (count > 0)
                        {
                            bounds.Add(bounds[^1] + count * unit);
                        }
                    }
                }
            }
            offset += t * mergedH * mergedW;
        }
        return ([.. order], [.. bounds]);
    }
}
