using Lop.Core.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Training;

/// <summary>Our Adam and AdamW against TorchSharp's, which they replace only to hold their scalars.</summary>
public class HeldAdamTests
{
    public HeldAdamTests() => Lop.Native.TorchRuntime.EnsureLoaded();

    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(false, 0.1)]
    [InlineData(true, 0.01)]
    public void Thirty_steps_leave_the_same_weights_as_torchsharps_optimiser_to_the_last_bit(bool decoupled, double weightDecay)
    {
        using var generator = new Generator(5);
        using var inputs = randn([16, 6], generator: generator);
        using var targets = randn([16, 3], generator: generator);
        var ours = Network(generator);
        var theirs = Network(generator);
        using (no_grad())
        {
            foreach (var (mine, other) in ours.parameters().Zip(theirs.parameters()))
            {
                other.copy_(mine);
            }
        }
        using var held = decoupled ? HeldAdam.AdamW(ours.parameters(), 0.01, weightDecay) : HeldAdam.Adam(ours.parameters(), 0.01, weightDecay);
        using optim.Optimizer reference = decoupled
            ? optim.AdamW(theirs.parameters(), lr: 0.01, weight_decay: weightDecay)
            : optim.Adam(theirs.parameters(), lr: 0.01, weight_decay: weightDecay);

        for (var step = 0; step < 30; step++)
        {
            // A schedule changes the rate between steps, as the sample trainer's does.
            held.LearningRate = 0.01 * (1 + step % 3);
            foreach (var group in reference.ParamGroups)
            {
                group.LearningRate = held.LearningRate;
            }
            held.ZeroGrad();
            nn.functional.mse_loss(ours.forward(inputs), targets).backward();
            held.Step();
            reference.zero_grad();
            nn.functional.mse_loss(theirs.forward(inputs), targets).backward();
            reference.step();
        }

        var moved = ours.parameters().Zip(theirs.parameters()).ToArray();
        var largest = moved.Max(pair => (pair.First - pair.Second).abs().max().item<float>());
        Assert.True(largest == 0, $"largest difference {largest:E3}");
        using var initial = Network(new Generator(5));
        Assert.True((ours.parameters().First() - initial.parameters().First()).abs().max().item<float>() > 1e-3, "the steps moved nothing");
    }

    private static nn.Module<Tensor, Tensor> Network(Generator generator)
    {
        var network = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3));
        using (no_grad())
        {
            foreach (var parameter in network.parameters())
            {
                parameter.copy_(randn(parameter.shape, generator: generator) * 0.5);
            }
        }
        return network;
    }
}
