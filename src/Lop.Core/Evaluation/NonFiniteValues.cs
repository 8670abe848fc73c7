using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Evaluation;

/// <summary>
/// NaN and infinity are bad input, never results: a checkpoint whose weights overflow in the compute dtype
/// (f16 is the usual one) or that is broken makes every loss, score and search reward meaningless, and
/// anything computed from them must be neither reported nor cached. The normal path pays for one finiteness
/// test of numbers already on the host (losses, scores); only after that test fails is the model run again,
/// on one sequence, to find the first decoder layer whose FFN sees or makes a non-finite value.
/// </summary>
internal static class NonFiniteValues
{
    /// <summary>Throws <see cref="ErrorCodes.NonFiniteValues"/> when any loss is non-finite, naming the first layer that overflows on the first such sequence.</summary>
    public static void CheckLosses(IPrunableModel model, IReadOnlyList<CalibrationSequence> sequences, double[] losses)
    {
        var first = Array.FindIndex(losses, l => !double.IsFinite(l));
        if (first < 0)
        {
            return;
        }
        var where = Locate(model, sequences[first]);
        throw Error($"the loss of calibration sequence {first} is {Describe(losses[first])}", where, DType(model.Prefix));
    }

    /// <summary>Throws <see cref="ErrorCodes.NonFiniteValues"/> when a layer's <paramref name="what"/> holds a non-finite value.</summary>
    public static void CheckLayer(PrefixView view, int layer, string what, double[] values)
    {
        if (Array.FindIndex(values, v => !double.IsFinite(v)) is var neuron and >= 0)
        {
            throw Error($"the {what} of layer {layer}, neuron {neuron}, is {Describe(values[neuron])}", $"decoder layer {layer}'s FFN", DType(view));
        }
    }

    private static LopException Error(string what, string where, string dtype) => new(ErrorCodes.NonFiniteValues,
        $"{what}: the numbers first stop being finite in {where}, computing in {dtype}. Nothing computed from them is reported or cached. "
        + "If the model overflows in this dtype, compute in f32 or bf16 (--dtype f32 / --dtype bf16, or dtype: in lop.yaml); "
        + "if it does so in f32 too, the checkpoint is broken (a weight is NaN, infinite or far too large).");

    /// <summary>Runs one sequence with an observer on every FFN; the first layer whose input or output is non-finite is named.</summary>
    private static string Locate(IPrunableModel model, CalibrationSequence sequence)
    {
        var locator = new Locator();
        try
        {
            using var observe = model.Prefix.Observe(locator);
            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            model.Logits(SequenceBatch.Create([sequence], 0, 1));
        }
        catch (InvalidOperationException)
        {
            // Another observer (importance statistics) is attached: the caller checks after detaching it, but
            // should one not, the error still stands, only without a layer.
            return "the model (the layer could not be located)";
        }
        return locator.Found ?? "the final norm or the LM head (every decoder FFN's input and output are finite)";
    }

    private static string DType(PrefixView view) => view.Layers == 0 ? "the model's dtype" : view.Weights(0).Gate.dtype switch
    {
        ScalarType.Float16 => "f16",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float32 => "f32",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string Describe(double value) => double.IsNaN(value) ? "NaN" : value > 0 ? "infinite" : "-infinite";

    private sealed class Locator : IFfnObserver
    {
        public string? Found { get; private set; }

        public void Observe(int layer, Tensor hidden)
        {
            if (Found is null && !isfinite(hidden).all().item<bool>())
            {
                Found = $"decoder layer {layer}'s FFN input ({(layer == 0 ? "the embeddings or layer 0's attention" : $"layer {layer}'s attention")} overflowed)";
            }
        }

        public void ObserveOutput(int layer, Tensor output)
        {
            if (Found is null && !isfinite(output).all().item<bool>())
            {
                Found = $"decoder layer {layer}'s FFN output (mlp.down_proj of layer {layer})";
            }
        }
    }
}
