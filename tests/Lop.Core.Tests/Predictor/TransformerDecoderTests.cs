using Lop.Core.Predictor;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Predictor;

public class TransformerDecoderTests
{
    private static readonly double[] Budgets = [0.0, 0.05, 0.3, 0.5, 0.77, 1.0];

    [Theory]
    [InlineData(1, 1, 1, 32, 3)]
    [InlineData(12, 2, 4, 32, 5)]
    [InlineData(12, 3, 3, 24, 8)]
    [InlineData(28, 2, 4, 128, 1234)]
    [InlineData(28, 1, 2, 16, 21)]
    [InlineData(28, 3, 1, 8, 42)]
    public void The_managed_decoder_matches_the_torch_forward_to_1e_6_for_every_budget(int layers, int blocks, int heads, int hidden, long seed)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        using var network = (TransformerPredictor)PredictorNetwork.Create(layers, new PredictorSettings { Hidden = hidden, Heads = heads, Layers = blocks, Seed = seed });
        network.eval();
        Spread(network, seed);
        var decoder = TransformerDecoder.From(network);

        foreach (var budget in Budgets)
        {
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            var expected = network.forward(tensor(new[] { (float)budget }))[0].data<float>().ToArray();

            var actual = decoder.Predict((float)budget);

            Assert.Equal(layers, actual.Length);
            var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= 1e-6, $"budget {budget}: largest difference {worst:E2}");
        }
    }

    [Fact]
    public void A_trained_transformer_predicts_through_the_decoder_what_its_network_computes()
    {
        using var predictor = PredictorTrainer.Train(SyntheticRatios.Samples(), SyntheticRatios.Layers,
            new PredictorSettings { Hidden = 32, Epochs = 20 });

        foreach (var budget in Budgets)
        {
            var managed = predictor.Predict(budget);
            var network = predictor.NetworkPredict(budget);

            Assert.Equal(network.Length, managed.Length);
            Assert.All(network.Zip(managed), pair => Assert.Equal(pair.First, pair.Second, 1e-6));
        }
    }

    [Fact]
    public void Exact_gelu_matches_torch_erf_gelu_not_the_tanh_approximation()
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        var x = Enumerable.Range(-1000, 2001).Select(i => i * 0.01f).Append(-40f).Append(40f).ToArray();
        // Against torch's double GELU: its float kernel's erf is itself 1e-6 off here and there (x = 3.27).
        using var expected = nn.functional.gelu(tensor(x.Select(v => (double)v).ToArray()));

        var actual = x.Select(ExactGelu.Apply).ToArray();

        var exact = expected.data<double>().ToArray();
        Assert.All(x.Zip(exact, actual), t => Assert.Equal(t.Second, t.Third, 1.2e-7 * Math.Max(1, Math.Abs(t.First))));
        // The tanh approximation differs from the exact GELU by up to 5e-4 near |x| = 2, far beyond the tolerance above.
        static double Tanh(double v) => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v))));
        Assert.Contains(x.Zip(actual), pair => Math.Abs(Tanh(pair.First) - pair.Second) > 1e-5);
        Assert.True(float.IsNaN(ExactGelu.Apply(float.NaN)));
    }

    /// <summary>
    /// Freshly initialised embeddings (std 0.02) and LayerNorms (1, 0) hardly vary the tokens; widens
    /// them so the test also covers the activations a trained predictor produces.
    /// </summary>
    private static void Spread(TransformerPredictor network, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in network.named_parameters())
        {
            if (name.Contains("embedding", StringComparison.Ordinal) || name.Contains("norm.", StringComparison.Ordinal))
            {
                parameter.add_(randn(parameter.shape, generator: generator) * 0.5);
            }
        }
    }
}
