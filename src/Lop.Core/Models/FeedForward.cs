using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>Receives the input of <c>down_proj</c> (one value per FFN neuron per token) of one layer.</summary>
internal interface IFfnObserver
{
    /// <param name="layer">decoder layer index</param>
    /// <param name="hidden">act(gate(x)) * up(x), shape [batch, seq, width]</param>
    void Observe(int layer, Tensor hidden);

    /// <summary>The FFN's output (what it adds to the residual stream), shape [batch, seq, hidden]; most observers ignore it.</summary>
    void ObserveOutput(int layer, Tensor output)
    {
    }
}

/// <summary>
/// SwiGLU FFN: down(silu(gate(x)) * up(x)), each projection with a bias when config.json says
/// <c>mlp_bias</c>. Neuron i is row i of gate_proj and up_proj (and element i of their biases) and
/// column i of down_proj; down_proj's bias belongs to no neuron. How many leading neurons are
/// evaluated, what is added for the rest (FLAP's compensation), and who observes the activations is the
/// state of the model's <see cref="PrefixView"/>: the FFN only reads it, so one owner decides it.
/// </summary>
internal sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly int _layer;
    private PrefixView? _view;
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public FeedForward(string name, int layer, long hiddenSize, long width, bool bias = false) : base(name)
    {
        _layer = layer;
        Width = width;
        gate_proj = nn.Linear(hiddenSize, width, hasBias: bias);
        up_proj = nn.Linear(hiddenSize, width, hasBias: bias);
        down_proj = nn.Linear(width, hiddenSize, hasBias: bias);
        RegisterComponents();
    }

    /// <summary>Number of neurons the weights hold.</summary>
    public long Width { get; }

    public Linear GateProj => gate_proj;

    public Linear UpProj => up_proj;

    public Linear DownProj => down_proj;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var width = _view?.ActiveWidth(_layer) ?? Width;
        var compensation = _view?.Compensation(_layer);
        Tensor output;
        if (width == 0)
        {
            // A fully pruned FFN adds nothing to the residual stream but its constant terms.
            output = zeros_like(x);
            if (down_proj.bias is { } downBias)
            {
                output = output.Plus(downBias);
            }
        }
        else
        {
            output = Dense(x, width);
        }
        if (compensation is not null)
        {
            output = output.Plus(compensation);
        }
        _view?.Observer?.ObserveOutput(_layer, output);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>The FFN over its first <paramref name="width"/> neurons.</summary>
    private Tensor Dense(Tensor x, long width)
    {
        Tensor gateWeight = gate_proj.weight!;
        Tensor upWeight = up_proj.weight!;
        Tensor downWeight = down_proj.weight!;
        Tensor? gateBias = gate_proj.bias;
        Tensor? upBias = up_proj.bias;
        if (width != Width)
        {
            gateWeight = gateWeight.narrow(0, 0, width);
            upWeight = upWeight.narrow(0, 0, width);
            downWeight = downWeight.narrow(1, 0, width);
            gateBias = gateBias?.narrow(0, 0, width);
            upBias = upBias?.narrow(0, 0, width);
        }
        // gate and up as one matmul (twice the width): small models are dominated by per-call overhead,
        // and concatenating the weights costs far less than the second matmul call saves.
        var gateUpBias = gateBias is null ? null : cat([gateBias, upBias!], 0);
        var gateUp = nn.functional.linear(x, cat([gateWeight, upWeight], 0), gateUpBias);
        var hidden = nn.functional.silu(gateUp.narrow(-1, 0, width)) * gateUp.narrow(-1, width, width);
        _view?.Observer?.Observe(_layer, hidden);
        return nn.functional.linear(hidden, downWeight, down_proj.bias);
    }

    /// <summary>Binds the FFN to the view that owns its pruning state; an FFN has exactly one owner.</summary>
    internal void Join(PrefixView view)
    {
        if (_view is not null && _view != view)
        {
            throw new InvalidOperationException($"layer {_layer}'s FFN already belongs to another prefix view");
        }
        _view = view;
    }
}
