using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// Lifts the scalar budget to a token: Linear(1, H), GELU, Linear(H, H). A single linear layer would
/// make every token an affine function of b, too poor to express ratios that bend with the budget.
/// </summary>
internal sealed class BudgetMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public BudgetMlp(string name, int hidden) : base(name)
    {
        fc1 = nn.Linear(1, hidden);
        fc2 = nn.Linear(hidden, hidden);
        RegisterComponents();
    }

    /// <param name="budgets">[batch]</param>
    /// <returns>[batch, H]</returns>
    public override Tensor forward(Tensor budgets)
    {
        using var scope = NewDisposeScope();
        var hidden = nn.functional.gelu(fc1.forward(budgets.unsqueeze(-1)));
        return fc2.forward(hidden).MoveToOuterDisposeScope();
    }
}
