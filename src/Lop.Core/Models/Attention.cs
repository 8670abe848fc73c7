using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Causal self-attention with grouped-query heads (n_kv_heads divides n_heads) and optional q/k/v
/// biases (Qwen2). Field names are the checkpoint's, so state-dict names match Hugging Face.
/// </summary>
internal sealed class Attention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly long _heads;
    private readonly long _kvHeads;
    private readonly long _headDim;
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;

    public Attention(string name, ModelConfig config) : base(name)
    {
        _heads = config.NumHeads;
        _kvHeads = config.NumKvHeads;
        _headDim = config.HeadDim;
        q_proj = nn.Linear(config.HiddenSize, _heads * _headDim, hasBias: config.AttentionBias);
        k_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.AttentionBias);
        v_proj = nn.Linear(config.HiddenSize, _kvHeads * _headDim, hasBias: config.AttentionBias);
        o_proj = nn.Linear(_heads * _headDim, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <param name="x">[batch, seq, hidden]</param>
    /// <param name="cos">rotary table [seq, headDim]</param>
    /// <param name="sin">rotary table [seq, headDim]</param>
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var batch = x.shape[0];
        var seq = x.shape[1];
        // q, k and v as one matmul: one large call instead of three small ones.
        var weight = cat([q_proj.weight!, k_proj.weight!, v_proj.weight!], 0);
        var bias = q_proj.bias is null ? null : cat([q_proj.bias, k_proj.bias!, v_proj.bias!], 0);
        var qkv = nn.functional.linear(x, weight, bias);
        var queryWidth = _heads * _headDim;
        var kvWidth = _kvHeads * _headDim;
        var q = qkv.narrow(-1, 0, queryWidth).reshape(batch, seq, _heads, _headDim).transpose(1, 2);
        var k = qkv.narrow(-1, queryWidth, kvWidth).reshape(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        var v = qkv.narrow(-1, queryWidth + kvWidth, kvWidth).reshape(batch, seq, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (_kvHeads != _heads)
        {
            // Hugging Face's repeat_kv: each key/value head serves n_heads / n_kv_heads consecutive query heads.
            var groups = _heads / _kvHeads;
            k = k.repeat_interleave(groups, dim: 1);
            v = v.repeat_interleave(groups, dim: 1);
        }
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        var merged = attended.transpose(1, 2).reshape(batch, seq, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
