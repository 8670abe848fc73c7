using Lop.Core.Models.Vision;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// A pre-norm block of Qwen2-VL's vision tower: x + attn(norm1(x)), then + mlp(norm2(x)). Qwen2.5-VL
/// uses RMSNorm and a gated MLP, Qwen2-VL LayerNorm (with bias) and fc1/fc2 with quick_gelu.
/// </summary>
internal sealed class QwenVisionBlock : nn.Module
{
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly QwenVisionAttention attn;
    private readonly nn.Module<Tensor, Tensor> mlp;

    public QwenVisionBlock(string name, QwenVisionConfig config, int index) : base(name)
    {
        norm1 = Norm("norm1", config);
        norm2 = Norm("norm2", config);
        attn = new QwenVisionAttention("attn", config);
        mlp = config.Windowed
            ? new QwenVisionGatedMlp("mlp", config, index)
            : new VisionMlp("mlp", new VisionConfig { HiddenSize = config.Width, IntermediateSizes = config.IntermediateSizes, HiddenAct = config.HiddenAct }, index);
        RegisterComponents();
    }

    /// <summary>The block's FFN, whose pruning state the model's <see cref="PrefixView"/> owns.</summary>
    public IVisionFfn Mlp => (IVisionFfn)mlp;

    /// <summary>The norm both towers put before attention, the MLP and the merger.</summary>
    public static nn.Module<Tensor, Tensor> Norm(string name, QwenVisionConfig config, long? size = null) =>
        config.Windowed ? new RmsNorm(name, size ?? config.Width, config.NormEps) : nn.LayerNorm(size ?? config.Width, config.NormEps);

    /// <param name="boundaries">the segments attention stays within (see <see cref="QwenVisionAttention"/>)</param>
    public Tensor forward(Tensor x, Tensor cos, Tensor sin, int[] boundaries)
    {
        using var scope = NewDisposeScope();
        var afterAttention = x.Plus(attn.forward(norm1.forward(x), cos, sin, boundaries));
        return afterAttention.Plus(mlp.forward(norm2.forward(afterAttention))).MoveToOuterDisposeScope();
    }
}
