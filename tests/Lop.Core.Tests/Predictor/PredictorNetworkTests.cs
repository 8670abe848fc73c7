using Lop.Core.Predictor;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Predictor;

public class PredictorNetworkTests
{
    private const int Layers = 6;

    private static readonly PredictorSettings Small = new() { Hidden = 32, Heads = 4, Layers = 2 };

    private static PredictorNetwork Network(PredictorArchitecture architecture, long seed = 11)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        var network = PredictorNetwork.Create(Layers, Small with { Architecture = architecture, Seed = seed });
        network.eval();
        return network;
    }

    [Theory]
    [InlineData(PredictorArchitecture.Transformer)]
    [InlineData(PredictorArchitecture.Encoder)]
    [InlineData(PredictorArchitecture.Mlp)]
    [InlineData(PredictorArchitecture.BiLstm)]
    public void Every_architecture_maps_a_batch_of_budgets_to_one_ratio_per_layer_strictly_between_0_and_1(PredictorArchitecture architecture)
    {
        using var network = Network(architecture);
        using var inference = inference_mode();

        using var ratios = network.forward(tensor(new[] { 0f, 0.3f, 1f }));

        Assert.Equal([3L, Layers], ratios.shape);
        // "Strictly between 0 and 1" holds for any sigmoid output; what can fail is a row that depends on the
        // other budgets in the batch: each row must be what the budget gives alone.
        for (var row = 0; row < 3; row++)
        {
            using var alone = network.forward(tensor(new[] { new[] { 0f, 0.3f, 1f }[row] }));
            Assert.True((ratios[row] - alone[0]).abs().max().item<float>() <= 1e-6f, $"row {row} depends on the rest of the batch");
        }
    }

    [Fact]
    public void The_mlp_computes_the_papers_formula_sigmoid_head_gelu_fc2_gelu_fc1_by_hand()
    {
        using var network = Network(PredictorArchitecture.Mlp);
        using var inference = inference_mode();
        var p = network.named_parameters().ToDictionary(n => n.name, n => n.parameter.to_type(ScalarType.Float64));
        double[] budgets = [0.05, 0.5, 0.95];

        var actual = network.forward(tensor(budgets.Select(b => (float)b).ToArray())).to_type(ScalarType.Float64).data<double>().ToArray();

        // Double precision, exact GELU x * Phi(x), the logistic function written out.
        static Tensor Gelu(Tensor x) => x * 0.5 * ((x / Math.Sqrt(2)).erf() + 1);
        var x = tensor(budgets).unsqueeze(-1);
        x = Gelu(x.matmul(p["fc1.weight"].t()) + p["fc1.bias"]);
        x = Gelu(x.matmul(p["fc2.weight"].t()) + p["fc2.bias"]);
        var expected = ((x.matmul(p["head.weight"].t()) + p["head.bias"]).neg().exp() + 1).reciprocal().data<double>().ToArray();
        Assert.Equal(budgets.Length * Layers, expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Theory]
    [InlineData(PredictorArchitecture.Transformer)]
    [InlineData(PredictorArchitecture.BiLstm)]
    public void The_initial_weights_depend_on_the_seed_alone_not_on_torch_global_generator(PredictorArchitecture architecture)
    {
        using var first = Network(architecture, seed: 5);
        // Disturbs the process-wide generator on purpose: the weights must not depend on it.
        manual_seed(42);
        _ = rand(1000);
        using var second = Network(architecture, seed: 5);
        using var other = Network(architecture, seed: 6);

        var names = first.named_parameters().Select(p => p.name).ToList();
        Assert.Contains(names, n => n.StartsWith(architecture == PredictorArchitecture.BiLstm ? "lstm." : "blocks.1.", StringComparison.Ordinal));
        Assert.All(first.named_parameters().Zip(second.named_parameters()), pair => Assert.True(pair.First.parameter.eq(pair.Second.parameter).all().item<bool>(), pair.First.name));
        Assert.Contains(first.named_parameters().Zip(other.named_parameters()), pair => !pair.First.parameter.eq(pair.Second.parameter).all().item<bool>());
        // Norms start as the identity, embeddings small, nothing left at zero by mistake.
        Assert.All(first.named_parameters().Where(p => !p.name.Contains("norm.", StringComparison.Ordinal)),
            p => Assert.True(p.parameter.abs().max().item<float>() > 0, $"{p.name} is all zero"));
    }

    [Fact]
    public void The_transformer_ratio_of_a_layer_ignores_the_ratios_of_that_layer_and_later_ones()
    {
        using var network = Network(PredictorArchitecture.Transformer);
        using var noGrad = no_grad();
        using var generator = new Generator(3);
        var budgets = tensor(new[] { 0.2f, 0.6f });
        var ratios = rand([2, Layers], generator: generator);
        var reference = network.TrainingForward(budgets, ratios);

        for (var k = 0; k < Layers; k++)
        {
            // Replace what layers k.. were given; layers 0..k must not notice, later ones must.
            var perturbed = ratios.clone();
            perturbed[.., k..] = rand([2, Layers - k], generator: generator);
            var output = network.TrainingForward(budgets, perturbed);

            Assert.True((output[.., ..(k + 1)] - reference[.., ..(k + 1)]).abs().max().item<float>() <= 1e-6f, $"layers 0..{k} changed when layers {k}.. were perturbed");
            if (k < Layers - 1)
            {
                Assert.True((output[.., (k + 1)..] - reference[.., (k + 1)..]).abs().max().item<float>() > 1e-6f, $"layers after {k} ignore the ratio of layer {k}");
            }
        }
    }

    [Fact]
    public void Transformer_inference_one_layer_at_a_time_equals_teacher_forcing_fed_its_own_ratios()
    {
        using var network = Network(PredictorArchitecture.Transformer);
        using var inference = inference_mode();
        var budgets = tensor(new[] { 0.1f, 0.45f, 0.9f });

        var stepwise = network.forward(budgets);
        var forced = network.TrainingForward(budgets, stepwise);

        Assert.True((stepwise - forced).abs().max().item<float>() <= 1e-5f);
    }
}
