using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// Qwen2-VL's vision attention: fused qkv (rows q | k | v, with bias), 2D rotary positions on q and k
/// computed in float32, non-causal attention within the segments the mask allows (a frame, or a window).
/// </summary>
internal sealed class QwenVisionAttention : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    private readonly long _heads;
    private readonly Linear qkv;
    private readonly Linear proj;

    public QwenVisionAttention(string name, QwenVisionConfig config) : base(name)
    {
        _heads = config.NumHeads;
        qkv = nn.Linear(config.Width, 3L * config.Width);
        proj = nn.Linear(config.Width, config.Width);
        RegisterComponents();
    }

    /// <param name="x">[rows, width]</param>
    /// <param name="cos">[rows, headDim] float32</param>
    /// <param name="sin">[rows, headDim] float32</param>
    /// <param name="allowed">[rows, rows] bool: row i may attend to row j</param>
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor allowed)
    {
        using var scope = NewDisposeScope();
        var (rows, width) = (x.shape[0], x.shape[1]);
        var headDim = width / _heads;
        var parts = qkv.forward(x).reshape(rows, 3, _heads, headDim).permute(1, 2, 0, 3);
        var q = RotaryEmbedding.Apply(parts[0].to(ScalarType.Float32), cos, sin).to(x.dtype);
        var k = RotaryEmbedding.Apply(parts[1].to(ScalarType.Float32), cos, sin).to(x.dtype);
        var attended = nn.functional.scaled_dot_product_attention(q.unsqueeze(0), k.unsqueeze(0), parts[2].unsqueeze(0), allowed);
        return proj.forward(attended.squeeze(0).transpose(0, 1).reshape(rows, width)).MoveToOuterDisposeScope();
    }
}
