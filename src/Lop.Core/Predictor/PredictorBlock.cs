using Lop.Core.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// One Transformer block of the predictor, pre-norm: x + attn(LN(x)), then + ffn(LN(x)), GELU FFN of
/// width 4H. Pre-norm rather than PyTorch's default post-norm because it trains stably at lr 1e-3
/// with no warm-up, which is the paper's schedule. Written out rather than taken from TorchSharp so the
/// causal flag, the dropout and the state-dict names are ours to pin.
/// </summary>
internal sealed class PredictorBlock : nn.Module<Tensor, Tensor>
{
    private readonly long _heads;
    private readonly double _dropout;
    private readonly bool _causal;
    private readonly LayerNorm attn_norm;
    private readonly Linear qkv_proj;
    private readonly Linear out_proj;
    private readonly LayerNorm ffn_norm;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>The <paramref name="settings"/>.Layers blocks of a predictor, named blocks.N as in its state dict.</summary>
    public static ModuleList<PredictorBlock> Stack(PredictorSettings settings, bool causal) =>
        new(Enumerable.Range(0, settings.Layers)
            .Select(i => new PredictorBlock($"blocks.{i}", settings.Hidden, settings.Heads, settings.Dropout, causal))
            .ToArray());

    public PredictorBlock(string name, int hidden, int heads, double dropout, bool causal) : base(name)
    {
        if (heads <= 0 || hidden % heads != 0)
        {
            throw new ArgumentException($"{heads} heads do not divide a hidden size of {hidden}", nameof(heads));
        }
        _heads = heads;
        _dropout = dropout;
        _causal = causal;
        attn_norm = nn.LayerNorm(hidden);
        qkv_proj = nn.Linear(hidden, 3L * hidden);
        out_proj = nn.Linear(hidden, hidden);
        ffn_norm = nn.LayerNorm(hidden);
        fc1 = nn.Linear(hidden, 4L * hidden);
        fc2 = nn.Linear(4L * hidden, hidden);
        RegisterComponents();
    }

    /// <param name="x">[batch, seq, H]</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var batch = x.shape[0];
        var seq = x.shape[1];
        var hidden = x.shape[2];
        var headDim = hidden / _heads;
        var qkv = qkv_proj.forward(attn_norm.forward(x)).view(batch, seq, 3, _heads, headDim).permute(2, 0, 3, 1, 4);
        var p = training ? _dropout : 0.0;
        var attended = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], p: p, is_casual: _causal);
        var merged = attended.transpose(1, 2).reshape(batch, seq, hidden);
        x = x.Plus(nn.functional.dropout(out_proj.forward(merged), p, training));
        var ffn = fc2.forward(nn.functional.gelu(fc1.forward(ffn_norm.forward(x))));
        return x.Plus(nn.functional.dropout(ffn, p, training)).MoveToOuterDisposeScope();
    }
}
