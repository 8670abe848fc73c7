using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>Qwen2.5-VL's vision MLP: down(act(gate(x)) * up(x)), every projection with a bias.</summary>
internal sealed class QwenVisionGatedMlp : nn.Module<Tensor, Tensor>
{
    private readonly string _activation;
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;

    public QwenVisionGatedMlp(string name, QwenVisionConfig config, int index) : base(name)
    {
        _activation = config.HiddenAct;
        gate_proj = nn.Linear(config.Width, config.IntermediateSizes[index]);
        up_proj = nn.Linear(config.Width, config.IntermediateSizes[index]);
        down_proj = nn.Linear(config.IntermediateSizes[index], config.Width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = Activations.Apply(_activation, gate_proj.forward(x)) * up_proj.forward(x);
        return down_proj.forward(hidden).MoveToOuterDisposeScope();
    }
}
