using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>
/// A vision-tower FFN whose pruning state a <see cref="PrefixView"/> owns: CLIP/SigLIP's and Qwen2-VL's
/// fc1/fc2, Qwen2.5-VL's gate/up/down. Neuron i is row i of every input projection (and of its bias)
/// and column i of the output projection, whose bias belongs to no neuron.
/// </summary>
internal interface IVisionFfn
{
    /// <summary>Neurons the weights hold.</summary>
    long Width { get; }

    /// <summary>The projections whose rows are neurons (fc1; gate_proj and up_proj).</summary>
    IReadOnlyList<Linear> InputProjections { get; }

    /// <summary>The projection whose columns are neurons (fc2; down_proj).</summary>
    Linear OutputProjection { get; }

    /// <summary>Binds the FFN to the view whose vision state (order, narrowing, observer) it reads.</summary>
    void Join(PrefixView view);
}

/// <summary>The two halves of a vision FFN over its first <c>width</c> neurons, shared by both kinds.</summary>
internal static class VisionFfnPrefix
{
    /// <summary>x through the first <paramref name="width"/> rows of an input projection.</summary>
    public static Tensor In(Linear projection, Tensor x, long width)
    {
        Tensor weight = projection.weight!;
        Tensor? bias = projection.bias;
        if (width != weight.shape[0])
        {
            weight = weight.narrow(0, 0, width);
            bias = bias?.narrow(0, 0, width);
        }
        return nn.functional.linear(x, weight, bias);
    }

    /// <summary>hidden [.., width] through the first <paramref name="width"/> columns of the output projection (a view, no copy).</summary>
    public static Tensor Out(Linear projection, Tensor hidden, long width)
    {
        Tensor weight = projection.weight!;
        if (width != weight.shape[1])
        {
            weight = weight.narrow(1, 0, width);
        }
        return nn.functional.linear(hidden, weight, projection.bias);
    }
}
