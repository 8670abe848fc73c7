using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>The ViT feed-forward block: fc2(act(fc1(x))).</summary>
internal sealed class VisionMlp : nn.Module<Tensor, Tensor>
{
    private readonly string _activation;
    private readonly int _index;
    private PrefixView? _view;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public VisionMlp(string name, VisionConfig config, int index) : base(name)
    {
        _activation = config.HiddenAct;
        _index = index;
        var width = config.IntermediateSizes[index];
        fc1 = nn.Linear(config.HiddenSize, width);
        fc2 = nn.Linear(width, config.HiddenSize);
        RegisterComponents();
    }

    public long Width => fc1.weight!.shape[0];

    /// <summary>Binds the FFN to the view whose vision observer sees act(fc1(x)), the fc2 input [batch, positions, width].</summary>
    internal void Join(PrefixView view)
    {
        if (_view is not null && _view != view)
        {
            throw new InvalidOperationException($"vision layer {_index}'s FFN already belongs to another prefix view");
        }
        _view = view;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = Activations.Apply(_activation, fc1.forward(x));
        _view?.VisionObserver?.Observe(_index, hidden);
        return fc2.forward(hidden).MoveToOuterDisposeScope();
    }
}
