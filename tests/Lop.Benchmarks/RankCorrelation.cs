namespace Lop.Benchmarks;

/// <summary>Spearman's rank correlation: Pearson's correlation of the ranks, ties given their mean rank.</summary>
internal static class RankCorrelation
{
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count || a.Count < 2)
        {
            return double.NaN;
        }
        var (ra, rb) = (Ranks(a), Ranks(b));
        double ma = ra.Average(), mb = rb.Average(), cov = 0, va = 0, vb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }
        return cov / Math.Sqrt(va * vb);
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }
            for (var k = start; k <= end; k++)
            {
                ranks[order[k]] = (start + end) / 2.0 + 1;
            }
            start = end + 1;
        }
        return ranks;
    }
}
