using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lop.Core.Predictor;

/// <summary>
/// <see cref="TransformerPredictor"/>'s inference in plain float arrays with a key/value cache: each
/// token goes through the blocks once, where the TorchSharp forward reruns the whole prefix for every
/// layer through dozens of small native calls. Same float32 arithmetic up to summation order, so the
/// ratios agree with the network's to about 1e-7. Built once from trained weights; inference only.
/// </summary>
internal sealed class TransformerDecoder
{
    private readonly DenseWeights _budgetFc1;
    private readonly DenseWeights _budgetFc2;
    private readonly float[] _layerEmbedding;
    private readonly float[] _positionEmbedding;
    private readonly DecoderBlock[] _blocks;
    private readonly LayerNormWeights _norm;
    private readonly DenseWeights _head;

    private TransformerDecoder(IReadOnlyDictionary<string, float[]> weights, int layerCount, int blockCount, int heads)
    {
        DenseWeights Dense(string name) => new(weights[name + ".weight"], weights[name + ".bias"]);
        LayerNormWeights Norm(string name) => new(weights[name + ".weight"], weights[name + ".bias"]);
        LayerCount = layerCount;
        _budgetFc1 = Dense("budget_mlp.fc1");
        _budgetFc2 = Dense("budget_mlp.fc2");
        _layerEmbedding = weights["layer_embedding"];
        _positionEmbedding = weights["position_embedding"];
        _blocks = Enumerable.Range(0, blockCount)
            .Select(i => new DecoderBlock(Norm($"blocks.{i}.attn_norm"), Dense($"blocks.{i}.qkv_proj"), Dense($"blocks.{i}.out_proj"),
                Norm($"blocks.{i}.ffn_norm"), Dense($"blocks.{i}.fc1"), Dense($"blocks.{i}.fc2"), heads))
            .ToArray();
        _norm = Norm("norm");
        _head = Dense("head");
    }

    public int LayerCount { get; }

    private int Hidden => _budgetFc2.Out;

    /// <summary>Copies the network's current weights; later changes to the network are not seen.</summary>
    public static TransformerDecoder From(TransformerPredictor network)
    {
        var weights = network.named_parameters().ToDictionary(
            p => p.name,
            // Parameters are contiguous float32 (PredictorFile and the trainer keep them so): read their storage as is.
            p => MemoryMarshal.Cast<byte, float>(p.parameter.bytes).ToArray(),
            StringComparer.Ordinal);
        return new TransformerDecoder(weights, network.LayerCount, network.BlockCount, network.Heads);
    }

    /// <summary>The ratio of every layer for <paramref name="budget"/>, as <see cref="TransformerPredictor.forward"/> computes it for a batch of one.</summary>
    [MethodImpl(VectorDot.Optimised)]
    public float[] Predict(float budget)
    {
        var hidden = Hidden;
        var caches = _blocks.Select(b => b.NewCache(LayerCount + 1)).ToArray();
        var x = new float[hidden];
        var scratch = new float[hidden];
        var ratios = new float[LayerCount];
        Span<float> logit = stackalloc float[1];

        // Position 0, the budget token: MLP(b) + position 0. Its output is no ratio, but every layer attends to it.
        _budgetFc1.Apply([budget], scratch);
        ExactGelu.Apply(scratch);
        _budgetFc2.Apply(scratch, x);
        Add(x, _positionEmbedding.AsSpan(0, hidden));
        Blocks(x, caches, 0);

        var carried = budget;
        for (var layer = 0; layer < LayerCount; layer++)
        {
            // Token of layer l: (ratio of layer l-1, or b for layer 0) x embedding of l + position l+1.
            var embedding = _layerEmbedding.AsSpan(layer * hidden, hidden);
            var position = _positionEmbedding.AsSpan((layer + 1) * hidden, hidden);
            for (var i = 0; i < hidden; i++)
            {
                x[i] = (carried * embedding[i]) + position[i];
            }
            Blocks(x, caches, layer + 1);
            _norm.Apply(x, scratch);
            _head.Apply(scratch, logit);
            ratios[layer] = carried = (float)(1 / (1 + Math.Exp(-logit[0])));
        }
        return ratios;
    }

    private void Blocks(Span<float> x, DecoderCache[] caches, int position)
    {
        for (var b = 0; b < _blocks.Length; b++)
        {
            _blocks[b].Step(x, caches[b], position);
        }
    }

    [MethodImpl(VectorDot.Optimised)]
    private static void Add(Span<float> x, ReadOnlySpan<float> y)
    {
        for (var i = 0; i < x.Length; i++)
        {
            x[i] += y[i];
        }
    }
}
