using Lop.Core.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// The authors' released predictor: L tokens, each MLP(b) + the embedding of its position, through
/// non-causal blocks in one pass. Every layer sees every other, but none sees another's chosen ratio.
/// </summary>
internal sealed class EncoderPredictor : PredictorNetwork
{
    private readonly BudgetMlp budget_mlp;
    private readonly Parameter position_embedding;
    private readonly ModuleList<PredictorBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public EncoderPredictor(int layerCount, PredictorSettings settings) : base("encoder", layerCount)
    {
        // Embeddings start at zero here; PredictorInit draws every weight from the settings' seed.
        budget_mlp = new BudgetMlp("budget_mlp", settings.Hidden);
        position_embedding = nn.Parameter(zeros(layerCount, settings.Hidden));
        blocks = PredictorBlock.Stack(settings, causal: false);
        norm = nn.LayerNorm(settings.Hidden);
        head = nn.Linear(settings.Hidden, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor budgets)
    {
        using var scope = NewDisposeScope();
        var x = budget_mlp.forward(budgets).unsqueeze(1).Plus(position_embedding);
        foreach (var block in blocks)
        {
            x = block.forward(x);
        }
        return sigmoid(head.forward(norm.forward(x)).squeeze(-1)).MoveToOuterDisposeScope();
    }
}
