using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>Receives the input of <c>down_proj</c> (one value per FFN neuron per token) of one layer.</summary>
internal interface IFfnObserver
{
    /// <param name="layer">decoder layer index</param>
    /// <param name="hidden">act(gate(x)) * up(x), shape [batch, seq, width]</param>
    void Observe(int layer, Tensor hidden);
}

/// <summary>
/// SwiGLU FFN: down(silu(gate(x)) * up(x)). Neuron i is row i of gate_proj and up_proj and column i
/// of down_proj. <see cref="ActiveWidth"/> evaluates only the first k neurons as a narrow() view, so
/// after neurons are ordered by importance a candidate pruning is a prefix and costs no copy.
/// </summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly int _layer;
#pragma warning disable IDE1006
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;
#pragma warning restore IDE1006

    public FeedForward(string name, int layer, long hiddenSize, long width) : base(name)
    {
        _layer = layer;
        Width = width;
        gate_proj = nn.Linear(hiddenSize, width, hasBias: false);
        up_proj = nn.Linear(hiddenSize, width, hasBias: false);
        down_proj = nn.Linear(width, hiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Number of neurons the weights hold.</summary>
    public long Width { get; }

    /// <summary>Neurons evaluated (a prefix); null means all.</summary>
    public long? ActiveWidth { get; set; }

    public IFfnObserver? Observer { get; set; }

    public Linear GateProj => gate_proj;

    public Linear UpProj => up_proj;

    public Linear DownProj => down_proj;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var width = ActiveWidth ?? Width;
        if (width == 0)
        {
            // A fully pruned FFN is the identity on the residual stream: it adds nothing.
            return zeros_like(x).MoveToOuterDisposeScope();
        }
        Tensor gateWeight = gate_proj.weight!;
        Tensor upWeight = up_proj.weight!;
        Tensor downWeight = down_proj.weight!;
        if (width != Width)
        {
            gateWeight = gateWeight.narrow(0, 0, width);
            upWeight = upWeight.narrow(0, 0, width);
            downWeight = downWeight.narrow(1, 0, width);
        }
        // gate and up as one matmul (twice the width): small models are dominated by per-call overhead,
        // and concatenating the weights costs far less than the second matmul call saves.
        var gateUp = nn.functional.linear(x, cat([gateWeight, upWeight], 0));
        var hidden = nn.functional.silu(gateUp.narrow(-1, 0, width)) * gateUp.narrow(-1, width, width);
        Observer?.Observe(_layer, hidden);
        return nn.functional.linear(hidden, downWeight).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Reorders neurons in place (gate/up rows and down columns together, which leaves the function
    /// unchanged): afterwards neuron j is the former neuron <paramref name="order"/>[j].
    /// </summary>
    public void PermuteNeurons(long[] order)
    {
        if (order.Length != Width)
        {
            throw new ArgumentException($"order has {order.Length} entries, the FFN has {Width} neurons", nameof(order));
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var index = tensor(order, device: gate_proj.weight!.device);
        gate_proj.weight!.set_(gate_proj.weight.index_select(0, index).contiguous());
        up_proj.weight!.set_(up_proj.weight.index_select(0, index).contiguous());
        down_proj.weight!.set_(down_proj.weight.index_select(1, index).contiguous());
    }
}
