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
        "quick_gelu" => x * sigmoid(x * 1.702),
        "gelu_pytorch_tanh" or "gelu_new" => GeluTanh(x),
        "relu" => nn.functional.relu(x),
        "silu" => nn.functional.silu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown activation"),
    };

    private static Tensor GeluTanh(Tensor x) =>
        0.5 * x * (1.0 + tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * pow(x, 3))));
}
