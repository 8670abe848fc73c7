namespace Lop.Core.Models.QwenVision;

/// <summary>
/// Qwen2-VL's get_rope_index for still images: text tokens count up on all three axes; an image's
/// tokens (merged grid lh x lw, row-major) start at b, the position after the text before it, and take
/// (b, b + row, b + column); the text after it resumes at b + max(lh, lw). Images are the runs of
/// image tokens in order, each as long as its grid says (the caller has checked the counts).
/// </summary>
internal static class QwenRopeIndex
{
    /// <returns>[3, tokens.Length]: time, row and column positions</returns>
    public static long[,] Positions(ReadOnlySpan<long> tokens, IReadOnlyList<(int T, int H, int W)> grids, long imageTokenId, int merge)
    {
        var positions = new long[3, tokens.Length];
        var start = 0;
        var next = 0L;
        void Text(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                positions[0, i] = positions[1, i] = positions[2, i] = next + i - from;
            }
            next += to - from;
        }
        foreach (var (t, h, w) in grids)
        {
            var found = tokens[start..].IndexOf(imageTokenId);
            if (found < 0)
            {
                break;
            }
            var first = start + found;
            Text(start, first);
            var (rows, columns) = (h / merge, w / merge);
            var i = first;
            for (var frame = 0; frame < t; frame++)
            {
                for (var r = 0; r < rows; r++)
                {
                    for (var c = 0; c < columns; c++, i++)
                    {
                        // A still image's frames share time 0 (Qwen2.5-VL scales time by seconds, 0 for images).
                        positions[0, i] = next;
                        positions[1, i] = next + r;
                        positions[2, i] = next + c;
                    }
                }
            }
            next += Math.Max(rows, columns);
            start = i;
        }
        Text(start, tokens.Length);
        return positions;
    }
}
