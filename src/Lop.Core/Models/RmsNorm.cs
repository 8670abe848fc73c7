using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// LLaMA's RMSNorm, computed in float32 whatever the weights' dtype (as Hugging Face does), so that
/// BF16 checkpoints do not lose the variance to rounding.
/// </summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;
    private readonly Parameter weight;

    public RmsNorm(string name, long size, double eps) : base(name)
    {
        _eps = eps;
        weight = nn.Parameter(ones(size));
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var normalised = x * x.Squared().mean([-1L], keepdim: true).Plus(_eps).rsqrt();
        return (weight * normalised.to(input.dtype)).MoveToOuterDisposeScope();
    }
}
