using System.Globalization;
using System.Text.Json;
using Lop.Core.Settings;
using Lop.Core.Predictor;

namespace Lop.Core.Pipeline;

/// <summary>
/// Trained predictors in the artifact cache (safetensors weights with their metadata), keyed by the
/// model, calibration, dtype and every training setting, including the budgets searched for them.
/// </summary>
internal sealed class PredictorStage() : ArtifactStage<TrainedPredictor>(KindName, SchemaVersion, "predictor.safetensors")
{
    public const string KindName = "predictor";

    // 2: the predictor records its training seconds (eval's one-off cost); older files are retrained rather than reported as unknown.
    private const int SchemaVersion = 2;

    public string Key(string modelFingerprint, string calibrationHash, string computeDType, PredictorTraining training) =>
        KeyOf(modelFingerprint, calibrationHash, computeDType,
            JsonSerializer.Serialize(training.Budgets.Order()), JsonSerializer.Serialize(training.Search), JsonSerializer.Serialize(training.Predictor),
            training.TopConfigurations.ToString(CultureInfo.InvariantCulture), training.RewardSequences.ToString(CultureInfo.InvariantCulture));

    protected override TrainedPredictor Read(string path) => TrainedPredictor.Load(path);

    protected override void Write(string path, TrainedPredictor predictor) => predictor.Save(path);
}
