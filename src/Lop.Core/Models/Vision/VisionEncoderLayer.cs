using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>Pre-norm ViT block: x + attn(ln1(x)), then + mlp(ln2(x)).</summary>
internal sealed class VisionEncoderLayer : nn.Module<Tensor, Tensor>
{
    private readonly VisionAttention self_attn;
    private readonly LayerNorm layer_norm1;
    private readonly VisionMlp mlp;
    private readonly LayerNorm layer_norm2;

    public VisionEncoderLayer(string name, VisionConfig config, int index) : base(name)
    {
        self_attn = new VisionAttention("self_attn", config);
        layer_norm1 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        mlp = new VisionMlp("mlp", config, index);
        layer_norm2 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public VisionMlp Mlp => mlp;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var afterAttention = x.Plus(self_attn.forward(layer_norm1.forward(x)));
        return afterAttention.Plus(mlp.forward(layer_norm2.forward(afterAttention))).MoveToOuterDisposeScope();
    }
}
