namespace Lop.Core.Predictor;

/// <summary>
/// What a predictor was trained for, recorded so it is never applied to another model:
/// the FFN width of each layer, the model's fingerprint and the version of the (budget, ratios) dataset.
/// </summary>
public sealed record PredictorProvenance(int[] LayerWidths, string? ModelFingerprint, string? DatasetVersion = null);
