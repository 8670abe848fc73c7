using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// Qwen2-VL's patch merger: each row normalised (ln_q), every 4 consecutive rows (one 2x2 merge block)
/// concatenated, then Linear, exact GELU, Linear to the language model's width.
/// </summary>
internal sealed class QwenPatchMerger : nn.Module<Tensor, Tensor>
{
    private readonly long _merged;
    private readonly nn.Module<Tensor, Tensor> ln_q;
    private readonly Sequential mlp;

    public QwenPatchMerger(string name, QwenVisionConfig config) : base(name)
    {
        _merged = (long)config.Width * config.MergeSize * config.MergeSize;
        ln_q = QwenVisionBlock.Norm("ln_q", config);
        mlp = nn.Sequential(("0", nn.Linear(_merged, _merged)), ("1", nn.GELU()), ("2", nn.Linear(_merged, config.OutHiddenSize)));
        RegisterComponents();
    }

    /// <param name="x">[rows, width], rows a multiple of 4 in merge-block order</param>
    /// <returns>[rows / 4, out width]</returns>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return mlp.forward(ln_q.forward(x).reshape(-1, _merged)).MoveToOuterDisposeScope();
    }
}
