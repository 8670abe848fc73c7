using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>
/// The ViT feed-forward block: fc2(act(fc1(x))), in CLIP/SigLIP (LLaVA) and in Qwen2-VL's tower. Which
/// neurons are evaluated and who observes them is the state of the model's <see cref="PrefixView"/>.
/// </summary>
internal sealed class VisionMlp : nn.Module<Tensor, Tensor>, IVisionFfn
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

    public IReadOnlyList<Linear> InputProjections => [fc1];

    public Linear OutputProjection => fc2;

    /// <summary>Binds the FFN to the view whose vision observer sees act(fc1(x)), the fc2 input [batch, positions, width].</summary>
    public void Join(PrefixView view)
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
        var width = _view?.ActiveVisionWidth(_index) ?? Width;
        var hidden = Activations.Apply(_activation, VisionFfnPrefix.In(fc1, x, width));
        _view?.VisionObserver?.Observe(_index, hidden);
        return VisionFfnPrefix.Out(fc2, hidden, width).MoveToOuterDisposeScope();
    }
}
