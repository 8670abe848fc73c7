using System.Globalization;
using Lop.Core.Errors;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// A trained predictor: budget in, per-layer ratios out (not yet projected onto the exact budget).
/// Holds native tensors, so dispose it; not thread-safe.
/// </summary>
public sealed class TrainedPredictor : IDisposable
{
    private readonly string? _source;
    private TransformerDecoder? _decoder;

    internal TrainedPredictor(PredictorNetwork network, PredictorMetadata metadata, string? source = null)
    {
        Network = network;
        Metadata = metadata;
        _source = source;
    }

    public PredictorMetadata Metadata { get; }

    internal PredictorNetwork Network { get; }

    /// <summary>theta_1..theta_L for <paramref name="budget"/>, each in (0, 1). No gradients are recorded.</summary>
    public double[] Predict(double budget)
    {
        if (!double.IsFinite(budget) || budget < 0 || budget > 1)
        {
            throw new LopException(ErrorCodes.InvalidRatio,
                $"budget {budget.ToString(CultureInfo.InvariantCulture)} is not a fraction of FFN neurons to remove; use a value from 0 to 1.", _source);
        }
        if (Network is TransformerPredictor transformer)
        {
            // Built on the first call: the weights no longer change once a predictor is trained or loaded.
            _decoder ??= TransformerDecoder.From(transformer);
            return Array.ConvertAll(_decoder.Predict((float)budget), r => (double)r);
        }
        return NetworkPredict(budget);
    }

    /// <summary>What <see cref="Predict"/> computes, through the TorchSharp network whatever the architecture (the reference for the managed path).</summary>
    internal double[] NetworkPredict(double budget)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var ratios = Network.forward(tensor(new[] { (float)budget }))[0].to(ScalarType.Float64);
        return ratios.data<double>().ToArray();
    }

    /// <summary>Writes the predictor as one safetensors file (weights and metadata), atomically.</summary>
    public void Save(string path) => PredictorFile.Save(path, Network, Metadata);

    public static TrainedPredictor Load(string path)
    {
        var (network, metadata) = PredictorFile.Load(path);
        return new TrainedPredictor(network, metadata, path);
    }

    /// <summary>
    /// Throws LOP4004 unless the predictor was trained for a model with these FFN widths and this
    /// fingerprint: ratios learned on one model's sensitivities are meaningless on another's.
    /// Widths or a fingerprint the predictor did not record are not checked.
    /// </summary>
    public void EnsureCompatible(int layers, IReadOnlyList<int> widths, string modelFingerprint)
    {
        if (layers != Metadata.LayerCount)
        {
            throw Mismatch($"the predictor was trained for a model with {Metadata.LayerCount} layers, but this model has {layers}");
        }
        if (Metadata.LayerWidths.Length > 0 && !Metadata.LayerWidths.SequenceEqual(widths))
        {
            throw Mismatch($"the predictor was trained for FFN widths [{string.Join(", ", Metadata.LayerWidths)}], but this model has [{string.Join(", ", widths)}]");
        }
        if (Metadata.ModelFingerprint is not null && !string.Equals(Metadata.ModelFingerprint, modelFingerprint, StringComparison.Ordinal))
        {
            throw Mismatch($"the predictor was trained for model {Metadata.ModelFingerprint}, but this model is {modelFingerprint}");
        }
    }

    public void Dispose() => Network.Dispose();

    private LopException Mismatch(string what) =>
        new(ErrorCodes.PredictorMismatch, $"{what}; train a predictor for this model.", _source);
}
