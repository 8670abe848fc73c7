using TorchSharp;
using static TorchSharp.torch;

namespace Lop.Core.Tests;

/// <summary>
/// Random weights of a realistic scale for the tiny multimodal models (LLaVA, Qwen-VL): every norm weight
/// (decoder, tower, projector or merger) in [0.5, 1.5), everything else N(0, 0.2), from a generator of this
/// call's own, as in TinyModels.Random: the global one is shared by tests running in parallel.
/// </summary>
internal static class TinyMultimodalWeights
{
    public static TModel Randomise<TModel>(TModel model, long seed)
        where TModel : nn.Module
    {
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            parameter.copy_(name.Contains("norm", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal)
                ? rand(parameter.shape, generator: generator) + 0.5
                : randn(parameter.shape, generator: generator) * 0.2);
        }
        model.eval();
        return model;
    }
}
