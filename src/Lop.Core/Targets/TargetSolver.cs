using System.Globalization;

namespace Lop.Core.Targets;

/// <summary>
/// Turns a target's constraint into the exact global budget that meets it: the most FFN neurons that still
/// fit (the largest model under the limit), so one more neuron would not fit. Sizes are linear in the kept
/// count, so this is a division, not a search.
/// </summary>
public static class TargetSolver
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="granularity">
    /// kept neurons in whole multiples of this (a quantization block): size limits are then met with
    /// the largest whole number of blocks, so per-layer block rounding cannot push the variant over
    /// </param>
    public static SolvedTarget Solve(TargetConstraint constraint, ModelSizing sizing, int granularity = 1)
    {
        var solved = SolveNeurons(constraint, sizing);
        if (granularity <= 1 || !solved.Feasible || constraint is RatioConstraint || solved.KeptNeurons == sizing.TotalNeurons)
        {
            return solved;
        }
        var blocks = solved.KeptNeurons / granularity * granularity;
        if (blocks < sizing.MinimumKeptNeurons)
        {
            return solved;
        }
        var context = constraint switch { MaxMemoryConstraint m => m.ContextLength, DeviceConstraint d => d.ContextLength, _ => TargetConstraint.DefaultContextLength };
        var batch = constraint switch { MaxMemoryConstraint m => m.Batch, DeviceConstraint d => d.Batch, _ => 1 };
        var sized = constraint is DeviceConstraint device ? DeviceSizing(sizing, device) : sizing;
        return Result(sized, blocks, context, batch, true, solved.Explanation + string.Create(Invariant,
            $" Rounded down to whole {granularity}-neuron quantization blocks: keeps {blocks} (budget {1.0 - (double)blocks / sizing.TotalNeurons:0.####})."));
    }

    private static ModelSizing DeviceSizing(ModelSizing sizing, DeviceConstraint d) =>
        sizing.WeightFormat is null ? sizing with { BytesPerParameter = ModelSizing.BytesOf(d.DType), KvBytesPerValue = ModelSizing.BytesOf(d.DType) } : sizing;

    private static SolvedTarget SolveNeurons(TargetConstraint constraint, ModelSizing sizing)
    {
        switch (constraint)
        {
            case RatioConstraint ratio:
                return SolveRatio(ratio.Ratio, sizing);
            case MaxParamsConstraint p:
                return Fit(sizing, p.Parameters, k => sizing.Parameters((int)k), sizing.ParametersPerNeuron,
                    TargetConstraint.DefaultContextLength, 1, k => Count(sizing.Parameters(k)) + " parameters", "parameters");
            case MaxWeightBytesConstraint w:
                return Fit(sizing, w.Bytes, k => sizing.WeightBytes((int)k), sizing.ParametersPerNeuron * sizing.BytesPerParameter,
                    TargetConstraint.DefaultContextLength, 1, k => Size(sizing.WeightBytes(k)) + " of weights", "weights");
            case MaxMemoryConstraint m:
                return FitMemory(sizing, m.Bytes, m.ContextLength, m.Batch, "");
            case DeviceConstraint d:
                return FitMemory(DeviceSizing(sizing, d), d.MemoryBytes, d.ContextLength, d.Batch, $" on {d.Device} ({sizing.WeightFormat ?? d.DType})");
            default:
                throw new ArgumentException($"unknown constraint {constraint.GetType().Name}", nameof(constraint));
        }
    }

    private static SolvedTarget FitMemory(ModelSizing sizing, long limit, int context, int batch, string where)
    {
        return Fit(sizing, limit, k => sizing.MemoryBytes((int)k, context, batch), sizing.ParametersPerNeuron * sizing.BytesPerParameter, context, batch,
            k => Size(sizing.MemoryBytes(k, context, batch)) + string.Create(Invariant, $" of weights and KV cache ({context} tokens x {batch}){where}"),
            "memory");
    }

    private static SolvedTarget SolveRatio(double ratio, ModelSizing sizing)
    {
        var total = sizing.TotalNeurons;
        var kept = (int)Math.Round((1.0 - ratio) * total, MidpointRounding.AwayFromZero);
        if (kept < sizing.MinimumKeptNeurons)
        {
            var largest = 1.0 - (double)sizing.MinimumKeptNeurons / total;
            return Result(sizing, sizing.MinimumKeptNeurons, TargetConstraint.DefaultContextLength, 1, false, string.Create(Invariant,
                $"a ratio of {ratio} keeps {kept} of {total} FFN neurons, but every layer keeps at least its floor ({sizing.MinimumKeptNeurons} in all): the largest achievable ratio is {largest:0.####}; lower the ratio or raise search.maxPruneRatio."));
        }
        return Result(sizing, kept, TargetConstraint.DefaultContextLength, 1, true, Kept(kept, total));
    }

    /// <summary>The largest kept count k with cost(k) = fixed + k x perNeuron (rounded up to whole bytes) within the limit.</summary>
    private static SolvedTarget Fit(ModelSizing sizing, long limit, Func<long, long> cost, double perNeuron, int context, int batch, Func<int, string> describe, string what)
    {
        var total = sizing.TotalNeurons;
        var floor = sizing.MinimumKeptNeurons;
        if (cost(total) <= limit)
        {
            return Result(sizing, total, context, batch, true,
                $"the dense model already fits ({describe(total)}, limit {Amount(limit, what)}): budget 0, nothing pruned.");
        }
        var kept = limit < cost(0) ? -1 : Math.Min(total, (long)Math.Floor((limit - cost(0)) / perNeuron));
        // Quantized types have fractional bytes per weight, rounded up: settle the last neuron exactly.
        while (kept >= 0 && cost(kept) > limit)
        {
            kept--;
        }
        while (kept >= 0 && kept < total && cost(kept + 1) <= limit)
        {
            kept++;
        }
        if (kept < floor)
        {
            return Result(sizing, floor, context, batch, false,
                $"even with every FFN layer at its floor ({floor} of {total} neurons kept) the model needs {describe(floor)}, over the limit of {Amount(limit, what)}: the smallest achievable is {describe(floor)}; raise the limit or search.maxPruneRatio.");
        }
        var k = (int)kept;
        return Result(sizing, k, context, batch, true,
            $"{Kept(k, total)}: {describe(k)} within the limit of {Amount(limit, what)}; one more neuron would exceed it.");
    }

    private static SolvedTarget Result(ModelSizing sizing, int kept, int context, int batch, bool feasible, string explanation) => new(
        1.0 - (double)kept / sizing.TotalNeurons,
        kept,
        sizing.Parameters(kept),
        sizing.WeightBytes(kept),
        sizing.MemoryBytes(kept, context, batch),
        explanation,
        feasible);

    private static string Kept(int kept, int total) => string.Create(Invariant,
        $"keeps {kept} of {total} FFN neurons (budget {1.0 - (double)kept / total:0.####})");

    private static string Amount(long limit, string what) => what == "parameters" ? Count(limit) + " parameters" : Size(limit);

    private static string Count(long n) => n.ToString("N0", Invariant);

    /// <summary>Decimal units, as a user who wrote 1.5GB expects, with the exact byte count.</summary>
    internal static string Size(long bytes)
    {
        string[] units = ["kB", "MB", "GB", "TB"];
        if (bytes < 1000)
        {
            return string.Create(Invariant, $"{bytes} bytes");
        }
        var value = (double)bytes;
        var unit = -1;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return string.Create(Invariant, $"{value:0.###} {units[unit]} ({bytes:N0} bytes)");
    }
}
