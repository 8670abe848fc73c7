using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// Initialises a predictor's weights from a private generator seeded by the settings, with PyTorch's
/// default distributions. Not torch.manual_seed: that generator is shared by the whole process, so any
/// other thread drawing from it (another training, a test running in parallel) would change the weights.
/// </summary>
internal static class PredictorInit
{
    public static void Apply(PredictorNetwork network, long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        // named_parameters() is in registration order, so the draws happen in the same order every time.
        foreach (var (name, parameter) in network.named_parameters())
        {
            if (name.Contains("norm.", StringComparison.Ordinal))
            {
                _ = name.EndsWith(".weight", StringComparison.Ordinal) ? parameter.fill_(1.0) : parameter.zero_();
            }
            else if (name.EndsWith("embedding", StringComparison.Ordinal))
            {
                // GPT-2's 0.02: small enough that no token starts out dominated by its position.
                parameter.normal_(0, 0.02, generator: generator);
            }
            else if (name.StartsWith("lstm.", StringComparison.Ordinal))
            {
                // PyTorch's LSTM: every weight and bias U(-1/sqrt(H), 1/sqrt(H)); the gates stack 4H rows.
                var bound = 1 / Math.Sqrt(parameter.shape[0] / 4.0);
                parameter.uniform_(-bound, bound, generator: generator);
            }
            else
            {
                // PyTorch's Linear: kaiming_uniform(a=sqrt(5)) for the weight and U(+-1/sqrt(fan_in)) for the
                // bias both come to a bound of 1/sqrt(fan_in).
                var weight = parameter.dim() == 2 ? parameter : parameters[name[..^"bias".Length] + "weight"];
                var bound = 1 / Math.Sqrt(weight.shape[1]);
                parameter.uniform_(-bound, bound, generator: generator);
            }
        }
    }
}
