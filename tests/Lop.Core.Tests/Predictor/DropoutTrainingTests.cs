using Lop.Core.Predictor;

namespace Lop.Core.Tests.Predictor;

/// <summary>
/// Dropout draws its masks from torch's process-wide generator, which training holds while it runs
/// (<see cref="Lop.Core.Randomness.GlobalTorchGenerator"/>). Module constructors elsewhere draw from it too,
/// unheld (TorchSharp's default initialisation), so this class runs alone: it checks what the engine
/// guarantees, that its own trainings do not disturb each other, not that foreign code cannot.
/// </summary>
[Collection(GlobalGeneratorCollection.Name)]
public sealed class DropoutTrainingTests
{
    private static readonly PredictorSettings Quick = new() { Hidden = 32, Epochs = 20 };

    [Fact]
    public void Trainings_with_dropout_in_parallel_give_what_each_gives_alone()
    {
        // Dropout draws its masks from torch's process-wide generator; trainings running at once must not share its stream.
        var samples = SyntheticRatios.Samples();
        var settings = Quick with { Dropout = 0.2, Epochs = 8 };
        double[] Alone(long seed)
        {
            using var predictor = PredictorTrainer.Train(samples, SyntheticRatios.Layers, settings with { Seed = seed });
            return predictor.Predict(0.45);
        }
        var expected = new[] { 1L, 2, 3, 4 }.Select(Alone).ToArray();

        var parallel = new double[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i] = Alone(i + 1));

        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(expected[i], parallel[i]));
        Assert.NotEqual(expected[0], expected[1]);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalGeneratorCollection
{
    public const string Name = "torch's global generator";
}
