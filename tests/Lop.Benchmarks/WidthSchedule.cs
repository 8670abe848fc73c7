namespace Lop.Benchmarks;

/// <summary>
/// Per-layer FFN widths for the speed benchmark's pruned variants: every width a multiple of the
/// k-quant block (256), so q4_k_m stores every FFN matrix in its intended type and no variant is slower
/// for a fallback, and every schedule of one budget keeps the same total, so only the shape differs.
/// </summary>
internal static class WidthSchedule
{
    public static int[] Uniform(int layers, int width, double ratio, int granularity)
    {
        var kept = Total(layers, width, ratio, granularity) / layers;
        return Enumerable.Repeat(kept / granularity * granularity, layers).ToArray();
    }

    /// <summary>
    /// A linear ramp from mean + <paramref name="spread"/> at layer 0 down to mean - spread at the last
    /// layer, rounded to the granularity; the total is then fixed by moving whole blocks in the layers
    /// whose rounding was furthest off.
    /// </summary>
    public static int[] Ramp(int layers, int width, double ratio, double spread, int granularity)
    {
        var total = Total(layers, width, ratio, granularity);
        var mean = (double)total / layers;
        var ideal = Enumerable.Range(0, layers).Select(l => mean + spread * (1 - 2.0 * l / Math.Max(1, layers - 1))).ToArray();
        var widths = ideal.Select(w => Math.Clamp((int)Math.Round(w / granularity) * granularity, granularity, width)).ToArray();
        for (var missing = total - widths.Sum(); missing != 0; missing = total - widths.Sum())
        {
            var step = Math.Sign(missing) * granularity;
            var layer = Enumerable.Range(0, layers)
                .Where(l => widths[l] + step >= granularity && widths[l] + step <= width)
                .MaxBy(l => Math.Sign(missing) * (ideal[l] - widths[l]));
            widths[layer] += step;
        }
        return widths;
    }

    /// <summary>The kept neurons of all layers for <paramref name="ratio"/>, to the nearest whole block.</summary>
    private static int Total(int layers, int width, double ratio, int granularity) =>
        (int)Math.Round((1 - ratio) * width * layers / granularity) * granularity;

    public static string Describe(IReadOnlyList<int> widths) =>
        widths.Distinct().Count() == 1 ? $"{widths[0]}" : $"{widths[0]}..{widths[^1]}";
}
