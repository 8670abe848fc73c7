namespace Lop.Core.Predictor;

/// <summary>Builds the network an architecture names (the one place that maps the enum to a type), initialised from the settings' seed.</summary>
internal static class PredictorNetworks
{
    public static PredictorNetwork Create(int layerCount, PredictorSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Layers, 1);
        PredictorNetwork network = settings.Architecture switch
        {
            PredictorArchitecture.Transformer => new AutoregressivePredictor(layerCount, settings),
            PredictorArchitecture.Encoder => new EncoderPredictor(layerCount, settings),
            PredictorArchitecture.Mlp => new MlpPredictor(layerCount, settings),
            PredictorArchitecture.BiLstm => new BiLstmPredictor(layerCount, settings),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), $"unknown predictor architecture {settings.Architecture}"),
        };
        PredictorInit.Apply(network, settings.Seed);
        return network;
    }
}
