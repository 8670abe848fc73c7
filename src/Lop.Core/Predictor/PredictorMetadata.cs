using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lop.Core.Predictor;

/// <summary>
/// Everything about a trained predictor except its weights; stored as JSON in the safetensors
/// <c>__metadata__</c>, so one file is the whole predictor and its origin.
/// </summary>
public sealed record PredictorMetadata
{
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;

    /// <summary>Written for people reading the file; the network is rebuilt from <see cref="Settings"/>.</summary>
    public PredictorArchitecture Architecture => Settings.Architecture;

    public required PredictorSettings Settings { get; init; }

    public required int LayerCount { get; init; }

    /// <summary>FFN width of each layer of the model the predictor was trained for; empty when not recorded.</summary>
    public required int[] LayerWidths { get; init; }

    /// <summary>The distinct budgets of the training set, ascending: predictions outside their range are extrapolations.</summary>
    public required double[] TrainingBudgets { get; init; }

    public string? DatasetVersion { get; init; }

    public string? ModelFingerprint { get; init; }

    /// <summary>MSE over the training set of the ratios <see cref="TrainedPredictor.Predict"/> returns (autoregressive, not teacher-forced).</summary>
    public required double FinalLoss { get; init; }

    /// <summary>
    /// Wall seconds the training loop took: part of the one-off cost eval sets against searching every
    /// budget. A timing, so two trainings of one seed differ here and only here; null in older files.
    /// </summary>
    public double? TrainingSeconds { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };
}
