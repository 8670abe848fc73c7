using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Predictor;

namespace Lop.Core.Tests.Predictor;

public class TrainedPredictorTests
{
    private static readonly int[] Widths = [48, 48, 40, 48, 32, 48, 48, 44];

    private static readonly PredictorProvenance Provenance = new(Widths, "sha256:model-a", "dataset-v1");

    private static TrainedPredictor Train(PredictorArchitecture architecture = PredictorArchitecture.Transformer) =>
        PredictorTrainer.Train(SyntheticRatios.Samples(), SyntheticRatios.Layers,
            new PredictorSettings { Architecture = architecture, Hidden = 32, Epochs = 3 }, Provenance);

    [Theory]
    [InlineData(PredictorArchitecture.Transformer)]
    [InlineData(PredictorArchitecture.Encoder)]
    [InlineData(PredictorArchitecture.Mlp)]
    [InlineData(PredictorArchitecture.BiLstm)]
    public void A_saved_predictor_loads_back_with_identical_predictions_and_metadata(PredictorArchitecture architecture)
    {
        using var temp = new TempFolder();
        using var predictor = Train(architecture);
        var path = Path.Combine(temp.Sub("predictors"), "predictor.safetensors");

        predictor.Save(path);
        using var loaded = TrainedPredictor.Load(path);

        foreach (var budget in new[] { 0.0, 0.35, 0.7, 1.0 })
        {
            Assert.Equal(predictor.Predict(budget), loaded.Predict(budget));
        }
        var (saved, read) = (predictor.Metadata, loaded.Metadata);
        Assert.Equal(saved.Settings, read.Settings);
        Assert.Equal(saved.LayerCount, read.LayerCount);
        Assert.Equal(saved.LayerWidths, read.LayerWidths);
        Assert.Equal(saved.TrainingBudgets, read.TrainingBudgets);
        Assert.Equal(saved.FinalLoss, read.FinalLoss);
        Assert.Equal("sha256:model-a", read.ModelFingerprint);
        Assert.Equal("dataset-v1", read.DatasetVersion);
        Assert.Equal(SyntheticRatios.TrainingBudgets, read.TrainingBudgets);
        Assert.Single(Directory.GetFiles(temp.Sub("predictors")));
    }

    [Fact]
    public void The_file_is_plain_safetensors_with_f32_weights_and_json_metadata()
    {
        using var temp = new TempFolder();
        using var predictor = Train();
        var path = temp.Sub("p.safetensors");

        predictor.Save(path);
        using var file = SafetensorsFile.Open(path);

        Assert.All(file.OrderedTensors, t => Assert.Equal(DType.F32, t.DType));
        Assert.Contains(file.Tensors.Keys, name => name.StartsWith("blocks.1.", StringComparison.Ordinal));
        Assert.Contains("\"architecture\":\"Transformer\"", file.Metadata["lop_predictor"]);
    }

    [Fact]
    public void A_safetensors_file_that_is_not_a_predictor_is_refused()
    {
        using var temp = new TempFolder();
        var path = temp.Sub("weights.safetensors");
        using (var writer = new SafetensorsWriter(path, []))
        {
            writer.Commit();
        }

        var error = Assert.Throws<LopException>(() => TrainedPredictor.Load(path));

        Assert.Equal(ErrorCodes.InvalidHeader, error.Code);
    }

    [Fact]
    public void A_predictor_accepts_the_model_it_was_trained_for_and_refuses_others_with_LOP4004()
    {
        using var predictor = Train();

        predictor.EnsureCompatible(SyntheticRatios.Layers, Widths, "sha256:model-a");
        var wrongLayers = Assert.Throws<LopException>(() => predictor.EnsureCompatible(SyntheticRatios.Layers + 1, [.. Widths, 48], "sha256:model-a"));
        var wrongWidths = Assert.Throws<LopException>(() => predictor.EnsureCompatible(SyntheticRatios.Layers, [.. Widths[..^1], 47], "sha256:model-a"));
        var wrongModel = Assert.Throws<LopException>(() => predictor.EnsureCompatible(SyntheticRatios.Layers, Widths, "sha256:model-b"));

        Assert.All(new[] { wrongLayers, wrongWidths, wrongModel }, e => Assert.Equal(ErrorCodes.PredictorMismatch, e.Code));
        Assert.Contains("8 layers", wrongLayers.Message);
        Assert.Contains("9", wrongLayers.Message);
        Assert.Contains("sha256:model-b", wrongModel.Message);
    }
}
