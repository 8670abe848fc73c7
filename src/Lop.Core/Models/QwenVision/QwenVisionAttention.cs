using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// Qwen2-VL's vision attention: fused qkv (rows q | k | v, with bias), 2D rotary positions on q and k
/// computed in float32, non-causal attention within each segment of consecutive rows (a frame, or a
/// window). Segments are attended one by one, as transformers does with cu_seqlens: a mask over all rows
/// would cost rows² per head, where windows cost a few hundred rows² each.
/// </summary>
internal sealed class QwenVisionAttention : nn.Module
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
    /// <param name="boundaries">[0, ..., rows]: segment s is rows boundaries[s] to boundaries[s + 1]</param>
    public Tensor forward(Tensor x, Tensor cos, Tensor sin, int[] boundaries)
    {
        using var scope = NewDisposeScope();
        var (rows, width) = (x.shape[0], x.shape[1]);
        var headDim = width / _heads;
        var parts = qkv.forward(x).reshape(rows, 3, _heads, headDim).permute(1, 2, 0, 3);
        var q = RotaryEmbedding.Apply(parts[0].to(ScalarType.Float32), cos, sin).to(x.dtype);
        var k = RotaryEmbedding.Apply(parts[1].to(ScalarType.Float32), cos, sin).to(x.dtype);
        var v = parts[2];
        var segments = new Tensor[boundaries.Length - 1];
        for (var s = 0; s < segments.Length; s++)
        {
            var (from, length) = ((long)boundaries[s], (long)(boundaries[s + 1] - boundaries[s]));
            segments[s] = nn.functional.scaled_dot_product_attention(q.narrow(1, from, length), k.narrow(1, from, length), v.narrow(1, from, length));
        }
        var attended = cat(segments, dim: 1);
        return proj.forward(attended.transpose(0, 1).reshape(rows, width)).MoveToOuterDisposeScope();
    }
}
