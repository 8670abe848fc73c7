using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>The activations vision towers and projectors use, by their transformers names.</summary>
internal static class Activations
{
    private static readonly string[] Known = ["gelu", "quick_gelu", "gelu_pytorch_tanh", "gelu_new", "relu", "silu"];

    public static void Check(string name, string field, string file)
    {
        if (!Known.Contains(name))
        {
            throw ModelConfigReader.Invalid(file, $"{field} is {name}; supported: {string.Join(", ", Known)}");
        }
    }

    public static Tensor Apply(string name, Tensor x) => name switch
    {
        "gelu" => nn.functional.gelu(x),
        // CLIP's x * sigmoid(1.702 x).
        "quick_gelu" => x * sigmoid(x.Times(1.702)),
        "gelu_pytorch_tanh" or "gelu_new" => GeluTanh(x),
        "relu" => nn.functional.relu(x),
        "silu" => nn.functional.silu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown activation"),
    };

    /// <summary>0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), its numbers held (<see cref="HeldScalars"/>).</summary>
    private static Tensor GeluTanh(Tensor x)
    {
        using var scope = NewDisposeScope();
        var inner = x.Plus((x * x * x).Times(0.044715)).Times(Math.Sqrt(2.0 / Math.PI));
        return (x.Times(0.5) * tanh(inner).Plus(1.0)).MoveToOuterDisposeScope();
    }
}
