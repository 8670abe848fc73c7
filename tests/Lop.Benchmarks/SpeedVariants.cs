using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Progress;
using Lop.Core.Pruning;

namespace Lop.Benchmarks;

/// <summary>One checkpoint of the speed benchmark: its name in the table, FFN width per layer and folder.</summary>
internal sealed record SpeedVariant(string Name, int[] Widths, string Folder)
{
    public bool IsDense => Name == SpeedVariants.Dense;
}

/// <summary>
/// The dense synthetic checkpoint and its pruned variants, written by the engine's own
/// <see cref="VariantWriter"/> from a plan of random scores: which neurons are kept does not change
/// the speed, only the widths do.
/// </summary>
internal static class SpeedVariants
{
    public const string Dense = "dense";
    public const string Uniform50 = "uniform 0.5";
    public const string Ramp50 = "non-uniform 0.5";
    public const string Ramp30 = "non-uniform 0.3";

    /// <summary>ggml's k-quant block: FFN widths in whole blocks keep q4_k_m's intended types.</summary>
    private const int Granularity = 256;

    public static List<SpeedVariant> Define(CheckpointShape shape, string folder)
    {
        var (layers, width) = (shape.Layers, shape.Ffn);
        // A ramp of +-width/4 around the mean: 6144..2048 at 0.5 for Llama-3.2-1B's 8192.
        var spread = width / 4.0;
        return
        [
            new(Dense, Enumerable.Repeat(width, layers).ToArray(), Path.Combine(folder, shape.Name)),
            new(Uniform50, WidthSchedule.Uniform(layers, width, 0.5, Granularity), Path.Combine(folder, shape.Name + "-uniform-0.5")),
            new(Ramp50, WidthSchedule.Ramp(layers, width, 0.5, spread, Granularity), Path.Combine(folder, shape.Name + "-ramp-0.5")),
            new(Ramp30, WidthSchedule.Ramp(layers, width, 0.3, spread, Granularity), Path.Combine(folder, shape.Name + "-ramp-0.3")),
        ];
    }

    /// <summary>Writes the variant from the dense checkpoint unless a previous run (--keep) left it there.</summary>
    public static void Write(HfCheckpoint dense, SpeedVariant variant)
    {
        if (File.Exists(Path.Combine(variant.Folder, "config.json")))
        {
            return;
        }
        var sourceWidths = dense.Config.IntermediateSizes;
        var random = new Random(7);
        var scores = new ImportanceScores(
            Enum.GetValues<ImportanceMethod>().ToDictionary(m => m, _ => sourceWidths.Select(w => Enumerable.Range(0, w).Select(_ => random.NextDouble()).ToArray()).ToArray()),
            calibrationTokens: 0);
        // Widths are whole blocks of a power-of-two width, so 1 - kept/width is exact and floor() in the plan gives them back.
        var ratios = variant.Widths.Select((w, l) => 1.0 - (double)w / sourceWidths[l]).ToArray();
        var plan = PruningPlan.Create(scores, ratios);
        if (!plan.KeptCounts.SequenceEqual(variant.Widths))
        {
            throw new InvalidOperationException($"plan keeps [{string.Join(", ", plan.KeptCounts)}], not [{string.Join(", ", variant.Widths)}]");
        }
        VariantWriter.Write(dense, plan, (before, after) => VariantManifest.Create(plan, dense.Folder, dense.Fingerprint(), null, before, after),
            variant.Folder, SilentProgress.Instance);
        Console.Error.WriteLine($"  wrote {variant.Name}: FFN widths {string.Join(", ", variant.Widths)}");
    }
}
