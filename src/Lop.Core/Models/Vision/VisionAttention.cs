using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>ViT self-attention: every patch attends to every patch (no mask), q/k/v/out with biases.</summary>
internal sealed class VisionAttention : nn.Module<Tensor, Tensor>
{
    private readonly long _heads;
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;

    public VisionAttention(string name, VisionConfig config) : base(name)
    {
        _heads = config.NumHeads;
        q_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        k_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        v_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        out_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="x">[batch, positions, hidden]</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var (batch, positions, hidden) = (x.shape[0], x.shape[1], x.shape[2]);
        var headDim = hidden / _heads;
        Tensor Heads(Linear projection) => projection.forward(x).reshape(batch, positions, _heads, headDim).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(Heads(q_proj), Heads(k_proj), Heads(v_proj));
        return out_proj.forward(attended.transpose(1, 2).reshape(batch, positions, hidden)).MoveToOuterDisposeScope();
    }
}
