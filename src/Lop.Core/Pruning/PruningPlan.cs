using Lop.Core.Allocation;
using Lop.Core.Errors;
using Lop.Core.Importance;

namespace Lop.Core.Pruning;

/// <summary>
/// Which FFN neurons each layer keeps: the top floor((1 - ratio) x width) by importance (at least one),
/// listed in ascending index order so the variant keeps the source's neuron order.
/// </summary>
public sealed class PruningPlan
{
    private PruningPlan(IReadOnlyList<double> ratios, IReadOnlyList<int> widths, IReadOnlyList<int[]> kept, ImportanceMethod method)
    {
        Ratios = ratios;
        Widths = widths;
        KeptNeurons = kept;
        Method = method;
    }

    public IReadOnlyList<double> Ratios { get; }

    /// <summary>Source widths per layer.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Kept neuron indices per layer, ascending.</summary>
    public IReadOnlyList<int[]> KeptNeurons { get; }

    public ImportanceMethod Method { get; }

    public int[] KeptCounts => KeptNeurons.Select(k => k.Length).ToArray();

    /// <summary>Kept vision-tower FFN neurons per vision layer, ascending; null when the vision tower is not pruned.</summary>
    public IReadOnlyList<int[]>? VisionKeptNeurons { get; private init; }

    /// <summary>The fraction of each vision layer's FFN removed; null when the vision tower is not pruned.</summary>
    public double? VisionRatio { get; private init; }

    /// <summary>
    /// This plan, plus the vision tower's FFNs pruned by <paramref name="ratio"/> in every vision layer,
    /// keeping the neurons of highest score (<see cref="VisionImportance"/>).
    /// </summary>
    public PruningPlan WithVision(IReadOnlyList<double[]> scores, double ratio)
    {
        ValidateVisionRatio(ratio);
        var kept = scores.Select(layer => Enumerable.Range(0, layer.Length)
                .OrderByDescending(i => layer[i]).ThenBy(i => i)
                .Take(BudgetAllocation.KeptCount(layer.Length, ratio)).Order().ToArray())
            .ToArray();
        return new PruningPlan(Ratios, Widths, KeptNeurons, Method) { VisionKeptNeurons = kept, VisionRatio = ratio };
    }

    /// <summary>Fraction of all FFN neurons removed.</summary>
    public double AchievedRatio => 1.0 - (double)KeptNeurons.Sum(k => k.Length) / Widths.Sum();

    /// <summary>Per-layer ratios as given (not projected onto a budget): each layer keeps floor((1 - ratio) x width) neurons.</summary>
    public static PruningPlan Create(ImportanceScores scores, IReadOnlyList<double> ratios, ImportanceMethod method = ImportanceMethod.Activation)
    {
        Validate(ratios, scores.Layers);
        return Create(scores, BudgetAllocation.FromRatios(ratios, scores.Widths), method);
    }

    /// <summary>The allocation's whole-neuron counts, unchanged: each layer keeps its most important neurons.</summary>
    internal static PruningPlan Create(ImportanceScores scores, BudgetAllocation allocation, ImportanceMethod method = ImportanceMethod.Activation)
    {
        Validate(allocation.Ratios, scores.Layers);
        var kept = new int[scores.Layers][];
        for (var l = 0; l < scores.Layers; l++)
        {
            kept[l] = scores.Ranking(method, l).Take(allocation.Kept[l]).Order().ToArray();
        }
        return new PruningPlan(allocation.Ratios.ToArray(), scores.Widths.ToArray(), kept, method);
    }

    /// <summary>The one ratio of every vision layer (<c>--vision-ratio</c>): at least 0, below 1.</summary>
    public static void ValidateVisionRatio(double ratio)
    {
        if (!(ratio >= 0 && ratio < 1))
        {
            throw new LopException(ErrorCodes.InvalidRatio,
                $"the vision ratio (--vision-ratio) is {ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)}; it is the fraction of each vision layer's FFN neurons removed and must be at least 0 and below 1.");
        }
    }

    public static void Validate(IReadOnlyList<double> ratios, int layers)
    {
        if (ratios.Count != layers)
        {
            throw new LopException(ErrorCodes.RatioCountMismatch,
                $"{ratios.Count} pruning ratios were given, but the model has {layers} layers: give one ratio per layer, or a single uniform ratio.");
        }
        for (var l = 0; l < ratios.Count; l++)
        {
            if (!(ratios[l] >= 0 && ratios[l] < 1))
            {
                throw new LopException(ErrorCodes.InvalidRatio,
                    $"the pruning ratio of layer {l} is {ratios[l]}; a ratio is the fraction of FFN neurons removed and must be at least 0 and below 1.");
            }
        }
    }
}
