using Lop.Core.Calibration;

namespace Lop.Core.Tests.Predictor;

/// <summary>
/// A dataset whose answer is known: theta_l(b) = clip(b + 0.2 b cos(l), 0, 0.95), smooth in the budget
/// and different per layer, observed with a little noise at a few budgets per sample.
/// </summary>
internal static class SyntheticRatios
{
    public const int Layers = 8;

    /// <summary>0.1..0.7 in steps of 0.05, leaving out 0.35 and 0.55 so they can be held out.</summary>
    public static readonly double[] TrainingBudgets =
        [0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.60, 0.65, 0.70];

    public static readonly double[] HeldOutBudgets = [0.35, 0.55];

    public static double[] Truth(double budget, int layers = Layers) =>
        Enumerable.Range(0, layers).Select(l => Math.Clamp(budget + 0.2 * budget * Math.Cos(l), 0, 0.95)).ToArray();

    public static List<(double Budget, double[] Ratios)> Samples(int perBudget = 3, double noise = 0.01, int layers = Layers, ulong seed = 5)
    {
        var random = new SplitMix64(seed);
        var samples = new List<(double, double[])>();
        foreach (var budget in TrainingBudgets)
        {
            for (var k = 0; k < perBudget; k++)
            {
                // Uniform noise in [-noise, noise]: enough to make samples differ, not to hide the function.
                var ratios = Truth(budget, layers)
                    .Select(r => Math.Clamp(r + noise * (2.0 * (random.NextUInt64() >> 11) / (1UL << 53) - 1), 0, 1))
                    .ToArray();
                samples.Add((budget, ratios));
            }
        }
        return samples;
    }

    public static double Mse(double[] predicted, double[] truth) =>
        predicted.Zip(truth, (p, t) => (p - t) * (p - t)).Average();
}
