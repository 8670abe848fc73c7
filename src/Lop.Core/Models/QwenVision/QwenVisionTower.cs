using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// Qwen2-VL's / Qwen2.5-VL's vision tower (<c>visual</c>): patch embedding, 2D rotary positions,
/// blocks, and the merger to the language model's width. Qwen2.5-VL reorders merge blocks into
/// windows first (blocks outside fullatt_block_indexes attend within a window) and restores the
/// image processor's order after the merger, so output row k is merge block k of the input.
/// </summary>
internal sealed class QwenVisionTower : nn.Module
{
    private const double RotaryTheta = 10000;
    private readonly QwenVisionConfig _config;
    private readonly QwenVisionBlock[] _blockList;
    private readonly QwenPatchEmbed patch_embed;
    private readonly ModuleList<QwenVisionBlock> blocks;
    private readonly QwenPatchMerger merger;

    public QwenVisionTower(string name, QwenVisionConfig config) : base(name)
    {
        _config = config;
        patch_embed = new QwenPatchEmbed("patch_embed", config);
        _blockList = Enumerable.Range(0, config.Depth)
            .Select(i => new QwenVisionBlock(i.ToString(System.Globalization.CultureInfo.InvariantCulture), config, i))
            .ToArray();
        blocks = new ModuleList<QwenVisionBlock>(_blockList);
        merger = new QwenPatchMerger("merger", config);
        RegisterComponents();
    }

    public IReadOnlyList<QwenVisionBlock> Blocks => _blockList;

    /// <param name="patches">[rows, features] of every image, concatenated, each in merge-block order</param>
    /// <param name="grids">each image's (t, h, w) in patches</param>
    /// <returns>[rows / 4, language model width], one row per merge block, in input order</returns>
    public Tensor forward(Tensor patches, IReadOnlyList<(int T, int H, int W)> grids)
    {
        using var scope = NewDisposeScope();
        var merge = _config.MergeSize;
        var unit = merge * merge;
        var x = patch_embed.forward(patches);
        var (cos, sin) = RotaryTables(VisionGrid.Positions(grids, merge), x.device);
        var full = VisionGrid.FrameBoundaries(grids);
        int[]? windowed = null;
        int[]? order = null;
        if (_config.Windowed)
        {
            (order, windowed) = VisionGrid.Windows(grids, merge, _config.WindowMergedSide);
            var rows = tensor(order.SelectMany(b => Enumerable.Range(b * unit, unit)).Select(r => (long)r).ToArray(), device: x.device);
            x = x.index_select(0, rows);
            cos = cos.index_select(0, rows);
            sin = sin.index_select(0, rows);
        }
        for (var i = 0; i < _blockList.Length; i++)
        {
            var segments = windowed is null || _config.FullAttentionBlocks.Contains(i) ? full : windowed;
            x = _blockList[i].forward(x, cos, sin, segments);
        }
        var merged = merger.forward(x);
        if (order is not null)
        {
            var restore = new long[order.Length];
            for (var k = 0; k < order.Length; k++)
            {
                restore[order[k]] = k;
            }
            merged = merged.index_select(0, tensor(restore, device: x.device));
        }
        return merged.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// cos and sin [rows, headDim] in float32: a quarter of the head's frequencies per axis
    /// (inverse frequency 1/10000^(2j / (headDim/2))), [row angles, column angles], then doubled for rotate-half.
    /// </summary>
    private (Tensor Cos, Tensor Sin) RotaryTables(long[,] positions, Device device)
    {
        var rows = positions.GetLength(0);
        var quarter = _config.HeadDim / 4;
        var half = _config.HeadDim / 2;
        var angles = new float[rows * _config.HeadDim];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < quarter; j++)
            {
                var inverse = 1.0 / Math.Pow(RotaryTheta, 2.0 * j / half);
                var h = (float)(positions[r, 0] * inverse);
                var w = (float)(positions[r, 1] * inverse);
                angles[r * _config.HeadDim + j] = h;
                angles[r * _config.HeadDim + quarter + j] = w;
                angles[r * _config.HeadDim + half + j] = h;
                angles[r * _config.HeadDim + half + quarter + j] = w;
            }
        }
        using var table = tensor(angles, [rows, _config.HeadDim], device: device);
        return (table.cos(), table.sin());
    }
}
