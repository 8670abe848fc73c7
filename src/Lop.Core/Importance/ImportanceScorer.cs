using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Importance;

/// <summary>
/// One pass of the dense model over the calibration sequences gives every score: activation
/// statistics come from the pass, weight norms from the FFN weights. Scores index neurons in the
/// checkpoint's order, so the model is put back in that order first (a no-op on a freshly loaded one).
/// </summary>
internal static class ImportanceScorer
{
    public static ImportanceScores Score(
        IPrunableModel model,
        IReadOnlyList<CalibrationSequence> sequences,
        int batchSize,
        IProgress<(int Done, int Total)>? progress = null,
        CancellationToken cancellation = default)
    {
        model.Prefix.UseCheckpointOrder();
        using var statistics = new ActivationStatistics(model.Prefix.Widths);
        double[] losses;
        using (model.Prefix.Observe(statistics))
        {
            losses = LogLikelihood.PerSequence(model, sequences, batchSize, progress, cancellation, checkFinite: false);
        }
        // Checked after the statistics observer is released: finding the layer runs the model with an observer of its own.
        NonFiniteValues.CheckLosses(model, sequences, losses);
        return FromStatistics(model.Prefix, statistics);
    }

    /// <param name="view">in the order the statistics were gathered in, which the scores then index</param>
    internal static ImportanceScores FromStatistics(PrefixView view, ActivationStatistics statistics)
    {
        var layers = view.Layers;
        var tokens = (double)statistics.Tokens;
        var activation = new double[layers][];
        var magnitude = new double[layers][];
        var wanda = new double[layers][];
        var flap = new double[layers][];
        var means = new double[layers][];
        for (var l = 0; l < layers; l++)
        {
            var sums = statistics.Sum(l);
            var squares = statistics.SumOfSquares(l);
            // A finite loss can still come with activations that overflow the sums: scores from them would be cached as valid.
            NonFiniteValues.CheckLayer(view, l, "activation sum", sums);
            NonFiniteValues.CheckLayer(view, l, "activation sum of squares", squares);
            var (gateRows, upRows, downColumns) = WeightNorms(view.Weights(l));
            var width = sums.Length;
            activation[l] = new double[width];
            magnitude[l] = new double[width];
            wanda[l] = new double[width];
            flap[l] = new double[width];
            means[l] = new double[width];
            for (var j = 0; j < width; j++)
            {
                var mean = sums[j] / tokens;
                var meanSquare = squares[j] / tokens;
                means[l][j] = mean;
                activation[l][j] = Math.Sqrt(meanSquare);
                magnitude[l][j] = Math.Sqrt(gateRows[j] * gateRows[j] + upRows[j] * upRows[j] + downColumns[j] * downColumns[j]);
                wanda[l][j] = downColumns[j] * Math.Sqrt(squares[j]);
                // The variance over tokens divides by N, not N - 1: FLAP standardises each layer's scores, and a factor
                // common to every neuron (N / (N - 1)) cancels in the z-scores, so the choice never changes a ranking.
                flap[l][j] = Math.Max(meanSquare - mean * mean, 0) * downColumns[j] * downColumns[j];
            }
            NonFiniteValues.CheckLayer(view, l, "magnitude score (weight norm)", magnitude[l]);
            NonFiniteValues.CheckLayer(view, l, "Wanda score", wanda[l]);
            NonFiniteValues.CheckLayer(view, l, "FLAP score", flap[l]);
        }
        return new ImportanceScores(
            new Dictionary<ImportanceMethod, double[][]>
            {
                [ImportanceMethod.Activation] = activation,
                [ImportanceMethod.Magnitude] = magnitude,
                [ImportanceMethod.Wanda] = wanda,
                [ImportanceMethod.Flap] = flap,
            },
            statistics.Tokens,
            means);
    }

    private static (double[] GateRows, double[] UpRows, double[] DownColumns) WeightNorms((Tensor Gate, Tensor Up, Tensor Down) weights)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double[] Norms(Tensor weight, int dim) =>
            weight.to(ScalarType.Float64).Squared().sum(dim).sqrt().data<double>().ToArray();
        return (Norms(weights.Gate, 1), Norms(weights.Up, 1), Norms(weights.Down, 0));
    }
}
