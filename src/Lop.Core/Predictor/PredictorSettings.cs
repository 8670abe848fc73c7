namespace Lop.Core.Predictor;

/// <summary>
/// Shape and training schedule of the predictor. Defaults are the paper's (section 4.3, appendix A.1):
/// Transformer, 2 layers, hidden 128, 4 heads, 200 epochs, lr 1e-3, MSE loss. The paper does not give
/// the batch size or dropout; 32 and 0 are ours (the dataset is a few hundred samples, and dropout
/// only blurs a function this smooth).
/// </summary>
public sealed record PredictorSettings
{
    public PredictorArchitecture Architecture { get; init; } = PredictorArchitecture.Transformer;

    /// <summary>Width of the tokens (Transformer, Encoder), of the hidden layers (Mlp), of each LSTM direction (BiLstm).</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Transformer blocks, or stacked LSTM layers; the Mlp always has two hidden layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Attention heads; must divide <see cref="Hidden"/>.</summary>
    public int Heads { get; init; } = 4;

    public int Epochs { get; init; } = 200;

    public double LearningRate { get; init; } = 1e-3;

    public int BatchSize { get; init; } = 32;

    public long Seed { get; init; } = 1234;

    public double Dropout { get; init; }
}
