using Lop.Core.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// The paper's predictor. Tokens are [MLP(b), t_0 .. t_{L-1}] with t_l = (ratio of layer l-1) x
/// (embedding of layer l) + position; layer 0 has no predecessor and carries b instead. A causal mask
/// lets the output at t_l see only b and the ratios of layers before l, so training can feed the true
/// ratios in one pass (teacher forcing) while inference fills the layers one at a time, each step
/// feeding back the ratio just chosen.
/// </summary>
internal sealed class TransformerPredictor : PredictorNetwork
{
    private readonly BudgetMlp budget_mlp;
    private readonly Parameter layer_embedding;
    private readonly Parameter position_embedding;
    private readonly ModuleList<PredictorBlock> blocks;
    private readonly LayerNorm norm;
    private readonly Linear head;

    public TransformerPredictor(int layerCount, PredictorSettings settings) : base("autoregressive", layerCount)
    {
        // Embeddings start at zero here; PredictorInit draws every weight from the settings' seed.
        budget_mlp = new BudgetMlp("budget_mlp", settings.Hidden);
        layer_embedding = nn.Parameter(zeros(layerCount, settings.Hidden));
        position_embedding = nn.Parameter(zeros(layerCount + 1, settings.Hidden));
        blocks = PredictorBlock.Stack(settings, causal: true);
        norm = nn.LayerNorm(settings.Hidden);
        head = nn.Linear(settings.Hidden, 1);
        BlockCount = settings.Layers;
        Heads = settings.Heads;
        RegisterComponents();
    }

    public int BlockCount { get; }

    public int Heads { get; }

    /// <summary>
    /// Autoregressive inference: L passes over a growing prefix. The reference the managed
    /// <see cref="TransformerDecoder"/> is tested against; predictions go through that.
    /// </summary>
    public override Tensor forward(Tensor budgets)
    {
        using var scope = NewDisposeScope();
        var carried = budgets.unsqueeze(1);
        var chosen = new List<Tensor>(LayerCount);
        for (var layer = 0; layer < LayerCount; layer++)
        {
            var next = Run(budgets, carried)[.., ^1..];
            chosen.Add(next);
            carried = cat([carried, next], 1);
        }
        return cat(chosen, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Teacher forcing: the true ratios shifted right by one layer, all layers in one pass.</summary>
    public override Tensor TrainingForward(Tensor budgets, Tensor ratios)
    {
        using var scope = NewDisposeScope();
        var carried = cat([budgets.unsqueeze(1), ratios[.., ..(LayerCount - 1)]], 1);
        return Run(budgets, carried).MoveToOuterDisposeScope();
    }

    /// <param name="budgets">[batch]</param>
    /// <param name="carried">[batch, n]: what the tokens of layers 0..n-1 carry (b, then the ratios of layers 0..n-2)</param>
    /// <returns>ratios of layers 0..n-1, [batch, n]</returns>
    private Tensor Run(Tensor budgets, Tensor carried)
    {
        using var scope = NewDisposeScope();
        var n = carried.shape[1];
        var budgetToken = budget_mlp.forward(budgets).unsqueeze(1);
        var layerTokens = carried.unsqueeze(-1) * layer_embedding[..(int)n];
        var x = cat([budgetToken, layerTokens], 1).Plus(position_embedding[..(int)(n + 1)]);
        foreach (var block in blocks)
        {
            x = block.forward(x);
        }
        var ratios = sigmoid(head.forward(norm.forward(x[.., 1..])).squeeze(-1));
        return ratios.MoveToOuterDisposeScope();
    }
}
