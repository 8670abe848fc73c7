using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>LLaVA's projector from vision features to language-model embeddings: linear_2(act(linear_1(x))).</summary>
internal sealed class MultimodalProjector : nn.Module<Tensor, Tensor>
{
    private readonly string _activation;
    private readonly Linear linear_1;
    private readonly Linear linear_2;

    public MultimodalProjector(string name, MultimodalConfig config, int textHidden) : base(name)
    {
        _activation = config.ProjectorHiddenAct;
        linear_1 = nn.Linear(config.Vision.HiddenSize, textHidden, hasBias: config.ProjectorBias);
        linear_2 = nn.Linear(textHidden, textHidden, hasBias: config.ProjectorBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return linear_2.forward(Activations.Apply(_activation, linear_1.forward(x))).MoveToOuterDisposeScope();
    }
}
