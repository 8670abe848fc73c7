using Lop.Core.Models.Vision;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// Qwen2.5-VL's vision MLP: down(act(gate(x)) * up(x)), every projection with a bias. Which neurons are
/// evaluated and who observes them is the state of the model's <see cref="PrefixView"/>.
/// </summary>
internal sealed class QwenVisionGatedMlp : nn.Module<Tensor, Tensor>, IVisionFfn
{
    private readonly string _activation;
    private readonly int _index;
    private PrefixView? _view;
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public QwenVisionGatedMlp(string name, QwenVisionConfig config, int index) : base(name)
    {
        _activation = config.HiddenAct;
        _index = index;
        gate_proj = nn.Linear(config.Width, config.IntermediateSizes[index]);
        up_proj = nn.Linear(config.Width, config.IntermediateSizes[index]);
        down_proj = nn.Linear(config.IntermediateSizes[index], config.Width);
        RegisterComponents();
    }

    public long Width => gate_proj.weight!.shape[0];

    public IReadOnlyList<Linear> InputProjections => [gate_proj, up_proj];

    public Linear OutputProjection => down_proj;

    /// <summary>Binds the FFN to the view whose vision observer sees act(gate(x)) * up(x), the down_proj input.</summary>
    public void Join(PrefixView view)
    {
        if (_view is not null && _view != view)
        {
            throw new InvalidOperationException($"vision block {_index}'s MLP already belongs to another prefix view");
        }
        _view = view;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var width = _view?.ActiveVisionWidth(_index) ?? Width;
        var hidden = Activations.Apply(_activation, VisionFfnPrefix.In(gate_proj, x, width)) * VisionFfnPrefix.In(up_proj, x, width);
        _view?.VisionObserver?.Observe(_index, hidden);
        return VisionFfnPrefix.Out(down_proj, hidden, width).MoveToOuterDisposeScope();
    }
}
