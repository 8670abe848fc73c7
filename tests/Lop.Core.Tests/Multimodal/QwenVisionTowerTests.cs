using Lop.Core.Images;
using Lop.Core.Models;
using Lop.Core.Models.QwenVision;
using Xunit;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

/// <summary>
/// Qwen2-VL's vision tower on tiny sizes (width 8, 2 heads of 4, patch 2, merge 2, windows of 2 x 2
/// merged tokens) against the same computation written as plain loops over doubles.
/// </summary>
public class QwenVisionTowerTests
{
    public QwenVisionTowerTests() => Lop.Native.TorchRuntime.EnsureLoaded();

    [Fact]
    public void Windows_group_merged_tokens_row_major_and_skip_the_padding()
    {
        // Image A: merged grid 2 x 3, padded to 4 x 4 (a whole empty window row):
        //   0 1 | 2 .      windows: [0 1 3 4], [2 5], then two empty ones.
        //   3 4 | 5 .
        // Image B: merged grid 3 x 3, padded to 4 x 4, its tokens numbered after A's six:
        //   6  7 |  8 .    windows: [6 7 9 10], [8 11], [12 13], [14].
        //   9 10 | 11 .
        //  12 13 | 14 .
        var (order, bounds) = VisionGrid.Windows([(1, 4, 6), (1, 6, 6)], merge: 2, side: 2);

        Assert.Equal([0, 1, 3, 4, 2, 5, 6, 7, 9, 10, 8, 11, 12, 13, 14], order);
        // Rows, 4 per merged token: 16, 8, (0, 0 collapsed), then 16, 8, 8, 4.
        Assert.Equal([0, 16, 24, 40, 48, 56, 60], bounds);
        Assert.Equal([0, 24, 60], VisionGrid.FrameBoundaries([(1, 4, 6), (1, 6, 6)]));
    }

    [Fact]
    public void A_grid_that_is_a_whole_number_of_windows_still_gets_its_windows_in_order()
    {
        // Merged grid 2 x 4, windows of 2: [0 1 4 5], [2 3 6 7]; the padding adds only empty windows.
        var (order, bounds) = VisionGrid.Windows([(1, 4, 8)], merge: 2, side: 2);
        Assert.Equal([0, 1, 4, 5, 2, 3, 6, 7], order);
        Assert.Equal([0, 16, 32], bounds);
    }

    [Fact]
    public void Patch_positions_follow_merge_block_order()
    {
        var positions = VisionGrid.Positions([(1, 2, 4)], merge: 2);
        long[] rows = [0, 0, 1, 1, 0, 0, 1, 1];
        long[] columns = [0, 1, 0, 1, 2, 3, 2, 3];
        Assert.Equal(rows, Enumerable.Range(0, 8).Select(r => positions[r, 0]));
        Assert.Equal(columns, Enumerable.Range(0, 8).Select(r => positions[r, 1]));
    }

    [Fact]
    public void Patching_pixels_on_the_device_matches_the_image_processor()
    {
        var config = Tiny(windowed: true, fullAttention: false);
        using var generator = new Generator(3);
        using var pixels = randn([2, 3, 4, 8], generator: generator);
        var (patches, grids) = PixelPatches.FromStills(pixels, config);

        Assert.Equal([(1, 2, 4), (1, 2, 4)], grids);
        for (var b = 0; b < 2; b++)
        {
            var expected = QwenVlPatches.FromStill(pixels[b].data<float>().ToArray(), 4, 8, 2, 2, 2).Values;
            Assert.Equal(expected, patches.narrow(0, b * 8, 8).contiguous().data<float>().ToArray());
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void One_block_and_the_merger_match_a_loop_computation(bool windowed, bool fullAttention)
    {
        var config = Tiny(windowed, fullAttention);
        using var tower = new QwenVisionTower("visual", config);
        using var generator = new Generator(11);
        using (no_grad())
        {
            foreach (var (_, parameter) in tower.named_parameters())
            {
                parameter.copy_(randn(parameter.shape, generator: generator) * 0.5);
            }
        }
        Assert.Equal(
            config.RequiredTensors("").Select(t => (t.Name, string.Join(',', t.Shape))).Order(),
            tower.named_parameters().Select(p => (p.name, string.Join(',', p.parameter.shape))).Order());
        // Merged grid 2 x 3: windows [0 1 3 4] and [2 5], so windowed attention differs from full attention.
        using var patches = randn([24, 24], generator: generator);

        using var output = tower.forward(patches, [(1, 4, 6)]);

        var expected = LoopTower(config, tower.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().Select(v => (double)v).ToArray()),
            patches.data<float>().Select(v => (double)v).ToArray(), attendAll: !windowed || fullAttention);
        Assert.Equal([6L, 5L], output.shape);
        var actual = output.data<float>().ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 4);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Images_in_one_call_do_not_see_each_other(bool windowed)
    {
        var config = Tiny(windowed, fullAttention: false) with { Depth = 2, IntermediateSizes = [6, 6], FullAttentionBlocks = windowed ? [1] : [] };
        using var tower = new QwenVisionTower("visual", config);
        using var generator = new Generator(5);
        using var first = randn([24, 24], generator: generator);
        using var second = randn([36, 24], generator: generator);

        using var together = tower.forward(cat([first, second]), [(1, 4, 6), (1, 6, 6)]);
        using var alone = cat([tower.forward(first, [(1, 4, 6)]), tower.forward(second, [(1, 6, 6)])]);

        Assert.Equal([15L, 5L], together.shape);
        Assert.True(together.allclose(alone, atol: 1e-6));
    }

    private static QwenVisionConfig Tiny(bool windowed, bool fullAttention) => new()
    {
        Windowed = windowed,
        Depth = 1,
        Width = 8,
        IntermediateSizes = [6],
        NumHeads = 2,
        OutHiddenSize = 5,
        PatchSize = 2,
        MergeSize = 2,
        TemporalPatchSize = 2,
        WindowSize = 8,
        FullAttentionBlocks = fullAttention ? [0] : [],
        HiddenAct = windowed ? "silu" : "quick_gelu",
    };

    /// <summary>
    /// The tower for a 4 x 6 patch grid, row by row: patch r is merged block r / 4 (blocks row-major over a
    /// 2 x 3 grid), at patch row 2 * (block / 3) + (r % 4) / 2 and column 2 * (block % 3) + r % 2; two rows
    /// attend to each other when their blocks share a 2 x 2 window (or always, with full attention).
    /// </summary>
    private static double[] LoopTower(QwenVisionConfig c, Dictionary<string, double[]> p, double[] patches, bool attendAll)
    {
        const int rows = 24, width = 8, heads = 2, headDim = 4, features = 24;
        var x = new double[rows][];
        for (var r = 0; r < rows; r++)
        {
            x[r] = Linear(p["patch_embed.proj.weight"], null, patches.AsSpan(r * features, features).ToArray(), width);
        }
        int Block(int r) => r / 4;
        (int Row, int Column) Position(int r) => (2 * (Block(r) / 3) + r % 4 / 2, 2 * (Block(r) % 3) + r % 2);
        (int, int) Window(int r) => (Block(r) / 3 / 2, Block(r) % 3 / 2);

        var normed = x.Select(v => Norm(c, p, "blocks.0.norm1", v)).ToArray();
        var qkv = normed.Select(v => Linear(p["blocks.0.attn.qkv.weight"], p["blocks.0.attn.qkv.bias"], v, 3 * width)).ToArray();
        double[] Rotate(double[] v, int r)
        {
            // Head dim 4: one frequency (1) per axis, angles [row, column, row, column]; rotate-half pairs (0, 2) and (1, 3).
            var (row, column) = Position(r);
            double[] angle = [row, column, row, column];
            double[] half = [-v[2], -v[3], v[0], v[1]];
            return Enumerable.Range(0, 4).Select(i => v[i] * Math.Cos(angle[i]) + half[i] * Math.Sin(angle[i])).ToArray();
        }
        var attended = new double[rows][];
        for (var r = 0; r < rows; r++)
        {
            attended[r] = new double[width];
            for (var h = 0; h < heads; h++)
            {
                var q = Rotate(qkv[r].AsSpan(h * headDim, headDim).ToArray(), r);
                var allowed = Enumerable.Range(0, rows).Where(j => attendAll || Window(j) == Window(r)).ToArray();
                var scores = allowed.Select(j =>
                {
                    var k = Rotate(qkv[j].AsSpan(width + h * headDim, headDim).ToArray(), j);
                    return q.Zip(k, (a, b) => a * b).Sum() / Math.Sqrt(headDim);
                }).ToArray();
                var max = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                var total = weights.Sum();
                for (var n = 0; n < allowed.Length; n++)
                {
                    for (var d = 0; d < headDim; d++)
                    {
                        attended[r][h * headDim + d] += weights[n] / total * qkv[allowed[n]][2 * width + h * headDim + d];
                    }
                }
            }
        }
        var afterAttention = Enumerable.Range(0, rows)
            .Select(r => Add(x[r], Linear(p["blocks.0.attn.proj.weight"], p["blocks.0.attn.proj.bias"], attended[r], width))).ToArray();
        var afterMlp = afterAttention.Select(v =>
        {
            var n = Norm(c, p, "blocks.0.norm2", v);
            double[] hidden;
            if (c.Windowed)
            {
                var gate = Linear(p["blocks.0.mlp.gate_proj.weight"], p["blocks.0.mlp.gate_proj.bias"], n, 6);
                var up = Linear(p["blocks.0.mlp.up_proj.weight"], p["blocks.0.mlp.up_proj.bias"], n, 6);
                hidden = gate.Zip(up, (g, u) => g / (1 + Math.Exp(-g)) * u).ToArray();
                return Add(v, Linear(p["blocks.0.mlp.down_proj.weight"], p["blocks.0.mlp.down_proj.bias"], hidden, width));
            }
            hidden = Linear(p["blocks.0.mlp.fc1.weight"], p["blocks.0.mlp.fc1.bias"], n, 6).Select(a => a / (1 + Math.Exp(-1.702 * a))).ToArray();
            return Add(v, Linear(p["blocks.0.mlp.fc2.weight"], p["blocks.0.mlp.fc2.bias"], hidden, width));
        }).ToArray();

        var output = new List<double>();
        for (var b = 0; b < rows / 4; b++)
        {
            var merged = Enumerable.Range(4 * b, 4).SelectMany(r => Norm(c, p, "merger.ln_q", afterMlp[r])).ToArray();
            var hidden = Linear(p["merger.mlp.0.weight"], p["merger.mlp.0.bias"], merged, 32).Select(a => 0.5 * a * (1 + Erf(a / Math.Sqrt(2)))).ToArray();
            output.AddRange(Linear(p["merger.mlp.2.weight"], p["merger.mlp.2.bias"], hidden, 5));
        }
        return [.. output];
    }

    private static double[] Norm(QwenVisionConfig c, Dictionary<string, double[]> p, string name, double[] v)
    {
        var weight = p[name + ".weight"];
        if (c.Windowed)
        {
            var rms = Math.Sqrt(v.Select(a => a * a).Average() + c.NormEps);
            return v.Select((a, i) => a / rms * weight[i]).ToArray();
        }
        var mean = v.Average();
        var std = Math.Sqrt(v.Select(a => (a - mean) * (a - mean)).Average() + c.NormEps);
        return v.Select((a, i) => (a - mean) / std * weight[i] + p[name + ".bias"][i]).ToArray();
    }

    private static double[] Linear(double[] weight, double[]? bias, double[] input, int outputs) =>
        Enumerable.Range(0, outputs).Select(o => input.Select((a, i) => a * weight[o * input.Length + i]).Sum() + (bias?[o] ?? 0)).ToArray();

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (u, v) => u + v).ToArray();

    /// <summary>erf by Abramowitz and Stegun 7.1.26 (error under 1.5e-7, far below the float32 tolerance).</summary>
    private static double Erf(double x)
    {
        var t = 1 / (1 + 0.3275911 * Math.Abs(x));
        var y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return Math.Sign(x) * y;
    }
}
