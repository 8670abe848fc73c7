using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>Pre-norm decoder block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
internal sealed class DecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Attention self_attn;
    private readonly FeedForward mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;

    public DecoderLayer(string name, int index, ModelConfig config) : base(name)
    {
        self_attn = new Attention("self_attn", config);
        mlp = new FeedForward("mlp", index, config.HiddenSize, config.IntermediateSizes[index], config.MlpBias);
        input_layernorm = new RmsNorm("input_layernorm", config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new RmsNorm("post_attention_layernorm", config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public FeedForward Mlp => mlp;

    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var afterAttention = x.Plus(self_attn.forward(input_layernorm.forward(x), cos, sin));
        var output = afterAttention.Plus(mlp.forward(post_attention_layernorm.forward(afterAttention)));
        return output.MoveToOuterDisposeScope();
    }
}
