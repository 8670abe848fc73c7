using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>The paper's MLP ablation: b -> H -> H -> L with GELU, one sigmoid per layer.</summary>
internal sealed class MlpPredictor : PredictorNetwork
{
    private readonly double _dropout;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear head;

    public MlpPredictor(int layerCount, PredictorSettings settings) : base("mlp", layerCount)
    {
        _dropout = settings.Dropout;
        fc1 = nn.Linear(1, settings.Hidden);
        fc2 = nn.Linear(settings.Hidden, settings.Hidden);
        head = nn.Linear(settings.Hidden, layerCount);
        RegisterComponents();
    }

    public override Tensor forward(Tensor budgets)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.gelu(fc1.forward(budgets.unsqueeze(-1)));
        x = nn.functional.dropout(nn.functional.gelu(fc2.forward(x)), _dropout, training);
        return sigmoid(head.forward(x)).MoveToOuterDisposeScope();
    }
}
