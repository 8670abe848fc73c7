using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// A predictor network: <c>forward(budgets [batch])</c> returns ratios <c>[batch, L]</c> in (0, 1).
/// Training goes through <see cref="TrainingForward"/>, so an autoregressive network can be fed the
/// true ratios (teacher forcing) while the others simply ignore them.
/// </summary>
internal abstract class PredictorNetwork : nn.Module<Tensor, Tensor>
{
    protected PredictorNetwork(string name, int layerCount) : base(name) => LayerCount = layerCount;

    public int LayerCount { get; }

    /// <param name="budgets">[batch]</param>
    /// <param name="ratios">the true ratios [batch, L]</param>
    /// <returns>predicted ratios [batch, L]</returns>
    public virtual Tensor TrainingForward(Tensor budgets, Tensor ratios) => forward(budgets);
}
