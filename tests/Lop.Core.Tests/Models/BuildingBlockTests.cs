using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Models;

/// <summary>RMSNorm, RoPE and attention against small cases computed by hand.</summary>
public class BuildingBlockTests
{
    public BuildingBlockTests() => Lop.Native.TorchRuntime.EnsureLoaded();

    [Fact]
    public void RmsNorm_matches_hand_computed_values()
    {
        var norm = new RmsNorm("norm", 2, eps: 0);
        using (no_grad())
        {
            norm.Weight.copy_(tensor(new float[] { 1, 2 }));
        }
        var output = norm.forward(tensor(new float[] { 3, 4 }).reshape(1, 2)).data<float>().ToArray();

        // rms = sqrt((9 + 16) / 2) = 3.5355339
        Assert.Equal(3 / 3.5355339, output[0], 5);
        Assert.Equal(2 * 4 / 3.5355339, output[1], 5);
    }

    [Fact]
    public void Rope_rotates_pairs_by_position_times_frequency()
    {
        // headDim 4, theta 100: frequencies 1 and 1/10; pairs are (0,2) and (1,3) in the rotate-half layout.
        var (cos, sin) = RotaryEmbedding.Tables(3, 4, 100, null, ScalarType.Float32, CPU);
        var x = tensor(new float[] { 1, 0, 0, 1 }).reshape(1, 1, 1, 4).expand(1, 1, 3, 4);
        var rotated = RotaryEmbedding.Apply(x, cos, sin).reshape(3, 4);

        for (var position = 0; position < 3; position++)
        {
            var row = rotated[position].data<float>().ToArray();
            var slow = position * 0.1;
            // pair (x0, x2) = (1, 0) rotates by angle p: (cos p, sin p)
            Assert.Equal(Math.Cos(position), row[0], 5);
            Assert.Equal(Math.Sin(position), row[2], 5);
            // pair (x1, x3) = (0, 1) rotates by angle p/10: (-sin, cos)
            Assert.Equal(-Math.Sin(slow), row[1], 5);
            Assert.Equal(Math.Cos(slow), row[3], 5);
        }
    }

    [Fact]
    public void Attention_with_as_many_kv_heads_as_heads_is_plain_causal_multi_head_attention()
    {
        var config = TinyModels.Config(heads: 4, kvHeads: 4, attentionBias: true);
        // The weights are the module's default initialisation (the property holds for any); the input comes
        // from a generator of this test's own, not the process-wide one that tests running in parallel share.
        var attention = new Attention("self_attn", config);
        using var generator = new Generator(11);
        var x = randn([2, 5, config.HiddenSize], generator: generator);
        var (cos, sin) = RotaryEmbedding.Tables(5, config.HeadDim, config.RopeTheta, null, ScalarType.Float32, CPU);

        var actual = attention.forward(x, cos, sin);
        var expected = ReferenceAttention(attention, x, cos, sin, config);

        Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Grouped_query_attention_equals_multi_head_attention_with_repeated_kv_weights()
    {
        var grouped = TinyModels.Config(heads: 4, kvHeads: 2, attentionBias: true);
        var plain = TinyModels.Config(heads: 4, kvHeads: 4, attentionBias: true);
        var gqa = new Attention("self_attn", grouped);
        var mha = new Attention("self_attn", plain);
        using (no_grad())
        {
            var source = gqa.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
            foreach (var (name, parameter) in mha.named_parameters())
            {
                var value = source[name];
                if (name.StartsWith("k_proj") || name.StartsWith("v_proj"))
                {
                    // kv head g serves query heads 2g and 2g+1: repeat each head's block of rows.
                    var blocks = value.reshape([2, grouped.HeadDim, .. value.shape[1..]]);
                    value = blocks.repeat_interleave(2, dim: 0).reshape(parameter.shape);
                }
                parameter.copy_(value);
            }
        }
        using var generator = new Generator(12);
        var x = randn([2, 6, grouped.HiddenSize], generator: generator);
        var (cos, sin) = RotaryEmbedding.Tables(6, grouped.HeadDim, grouped.RopeTheta, null, ScalarType.Float32, CPU);

        Assert.True(gqa.forward(x, cos, sin).allclose(mha.forward(x, cos, sin), rtol: 1e-5, atol: 1e-5));
    }

    /// <summary>softmax(QK^T / sqrt(d) + causal mask) V, head by head, with explicit loops.</summary>
    private static Tensor ReferenceAttention(Attention attention, Tensor x, Tensor cos, Tensor sin, ModelConfig config)
    {
        var p = attention.named_parameters().ToDictionary(n => n.name, n => (Tensor)n.parameter);
        var q = nn.functional.linear(x, p["q_proj.weight"], p["q_proj.bias"]);
        var k = nn.functional.linear(x, p["k_proj.weight"], p["k_proj.bias"]);
        var v = nn.functional.linear(x, p["v_proj.weight"], p["v_proj.bias"]);
        var seq = x.shape[1];
        var d = config.HeadDim;
        var heads = new List<Tensor>();
        for (var h = 0; h < config.NumHeads; h++)
        {
            var qh = RotaryEmbedding.Apply(q.narrow(-1, h * d, d).unsqueeze(1), cos, sin).squeeze(1);
            var kh = RotaryEmbedding.Apply(k.narrow(-1, h * d, d).unsqueeze(1), cos, sin).squeeze(1);
            var vh = v.narrow(-1, h * d, d);
            var scores = matmul(qh, kh.transpose(1, 2)) / Math.Sqrt(d);
            var mask = ones(seq, seq).triu(1).to(ScalarType.Bool);
            scores = scores.masked_fill(mask, double.NegativeInfinity);
            heads.Add(matmul(scores.softmax(-1), vh));
        }
        return nn.functional.linear(cat(heads, -1), p["o_proj.weight"]);
    }
}
