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

    /// <summary>The network an architecture names (the one place that maps the enum to a type), initialised from the settings' seed.</summary>
    public static PredictorNetwork Create(int layerCount, PredictorSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Layers, 1);
        PredictorNetwork network = settings.Architecture switch
        {
            PredictorArchitecture.Transformer => new TransformerPredictor(layerCount, settings),
            PredictorArchitecture.Encoder => new EncoderPredictor(layerCount, settings),
            PredictorArchitecture.Mlp => new MlpPredictor(layerCount, settings),
            PredictorArchitecture.BiLstm => new BiLstmPredictor(layerCount, settings),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), $"unknown predictor architecture {settings.Architecture}"),
        };
        PredictorInit.Apply(network, settings.Seed);
        return network;
    }

    /// <param name="budgets">[batch]</param>
    /// <param name="ratios">the true ratios [batch, L]</param>
    /// <returns>predicted ratios [batch, L]</returns>
    public virtual Tensor TrainingForward(Tensor budgets, Tensor ratios) => forward(budgets);
}
