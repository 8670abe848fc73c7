using Lop.Core.Allocation;

namespace Lop.Core.Predictor;

/// <summary>LOP itself: one pass of a trained predictor maps the budget to per-layer ratios.</summary>
internal sealed class PredictorAllocator(TrainedPredictor predictor) : ILayerAllocator
{
    public string Method => MethodName(predictor.Metadata.Architecture);

    public PredictorMetadata Metadata => predictor.Metadata;

    public double[] Ratios(double budget) => predictor.Predict(budget);

    /// <summary>The transformer is LOP as published ("lop"); the other architectures are ablations.</summary>
    public static string MethodName(PredictorArchitecture architecture) => architecture switch
    {
        PredictorArchitecture.Transformer => "lop",
        PredictorArchitecture.Encoder => "lop-encoder",
        PredictorArchitecture.Mlp => "lop-mlp",
        _ => "lop-bilstm",
    };
}
