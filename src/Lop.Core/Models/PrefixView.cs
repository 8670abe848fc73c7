using Lop.Core.Models.Vision;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// The one owner of a model's FFN pruning state: the order each decoder layer's neurons are in, how
/// many leading neurons of each layer are evaluated, what is added for the others (FLAP's bias
/// compensation, when asked), and who observes the FFN activations; and the same for a vision tower's
/// FFNs (LLaVA's, Qwen2-VL's, Qwen2.5-VL's: their own order, narrowing and observer). The FFNs
/// only read this state; everything that prunes, scores or searches asks the view, so what a forward
/// pass computes never depends on which caller touched the model last.
/// </summary>
/// <remarks>
/// A pruning is a prefix of every layer once the neurons are sorted by importance, so a candidate is
/// evaluated as a narrow() view of the weights and costs no copy. The order is changed only while no
/// scope is open: re-sorting under a narrowed or observed pass would silently evaluate other neurons.
/// There is one view per model (built with it), which is why any number of evaluators can share a
/// model: the view, not the evaluator, knows which order is applied.
/// </remarks>
internal sealed class PrefixView
{
    private readonly FeedForward[] _ffns;
    private readonly IVisionFfn[] _vision;
    private readonly long[] _widths;
    private readonly long[] _visionWidths;
    // _order[l][j] = checkpoint index of the neuron now at position j of layer l (_visionOrder: of vision layer l).
    private readonly int[][] _order;
    private readonly int[][] _visionOrder;
    private int[]? _narrowed;
    private int[]? _visionNarrowed;
    // Per layer, what the FFN adds for the neurons outside its prefix while a compensated narrowing is open.
    private Tensor?[]? _compensation;
    private Scope? _narrowScope;
    private Scope? _observeScope;
    private Scope? _observeVisionScope;
    private Scope? _narrowVisionScope;

    internal PrefixView(IReadOnlyList<FeedForward> ffns, IReadOnlyList<IVisionFfn>? vision = null)
    {
        _ffns = ffns.ToArray();
        _vision = vision?.ToArray() ?? [];
        _widths = _ffns.Select(f => f.Width).ToArray();
        _visionWidths = _vision.Select(m => m.Width).ToArray();
        _order = _widths.Select(w => Enumerable.Range(0, checked((int)w)).ToArray()).ToArray();
        _visionOrder = _visionWidths.Select(w => Enumerable.Range(0, checked((int)w)).ToArray()).ToArray();
        foreach (var ffn in _ffns)
        {
            ffn.Join(this);
        }
        foreach (var mlp in _vision)
        {
            mlp.Join(this);
        }
    }

    /// <summary>Decoder layers, each with one FFN.</summary>
    public int Layers => _ffns.Length;

    /// <summary>Neurons each layer's FFN holds (the dense widths, whatever is narrowed).</summary>
    public IReadOnlyList<long> Widths => _widths;

    /// <summary>Kept neurons per layer while a <see cref="Narrow"/> scope is open; null when all are evaluated.</summary>
    public IReadOnlyList<int>? Narrowed => _narrowed;

    /// <summary>Neurons the vision tower's FFNs hold (empty for a text-only model), whatever is narrowed.</summary>
    public IReadOnlyList<long> VisionWidths => _visionWidths;

    /// <summary>Kept neurons per vision layer while a <see cref="NarrowVision"/> scope is open; null when all are evaluated.</summary>
    public IReadOnlyList<int>? VisionNarrowed => _visionNarrowed;

    /// <summary>Checkpoint index of the neuron now at each position of vision layer <paramref name="layer"/>.</summary>
    public IReadOnlyList<int> VisionOrder(int layer) => _visionOrder[layer];

    /// <summary>True while the neurons are in the checkpoint's order (as loaded).</summary>
    public bool InCheckpointOrder => _order.All(o => IsIdentity(o));

    /// <summary>Checkpoint index of the neuron now at each position of <paramref name="layer"/>.</summary>
    public IReadOnlyList<int> Order(int layer) => _order[layer];

    internal long? ActiveWidth(int layer) => _narrowed?[layer];

    internal long? ActiveVisionWidth(int layer) => _visionNarrowed?[layer];

    internal Tensor? Compensation(int layer) => _compensation?[layer];

    internal IFfnObserver? Observer { get; private set; }

    internal IFfnObserver? VisionObserver { get; private set; }

    /// <summary>
    /// Puts each layer's neurons in <paramref name="order"/> (order[l][j] = checkpoint index of the
    /// neuron to place at position j), permuting gate/up rows and down columns together, which leaves the
    /// dense function unchanged. Returns false, touching nothing, when that order is already applied.
    /// </summary>
    /// <exception cref="InvalidOperationException">a narrowing or observing scope is open</exception>
    public bool UseOrder(IReadOnlyList<IReadOnlyList<int>> order)
    {
        if (order.Count != Layers)
        {
            throw new ArgumentException($"order has {order.Count} layers, the model has {Layers}", nameof(order));
        }
        for (var l = 0; l < Layers; l++)
        {
            ValidatePermutation(order[l], _widths[l], l);
        }
        if (Enumerable.Range(0, Layers).All(l => order[l].SequenceEqual(_order[l])))
        {
            return false;
        }
        if (_narrowScope is not null || _observeScope is not null || _observeVisionScope is not null)
        {
            throw new InvalidOperationException("the neuron order cannot change while a narrowed or observed scope is open");
        }
        for (var l = 0; l < Layers; l++)
        {
            var index = Relocation(_order[l], order[l]);
            if (!IsIdentity(index))
            {
                Permute(_ffns[l], index);
            }
            _order[l] = order[l].ToArray();
        }
        return true;
    }

    /// <summary>Back to the order the weights were loaded in (what importance scores index).</summary>
    public bool UseCheckpointOrder() =>
        UseOrder(_widths.Select(w => (IReadOnlyList<int>)Enumerable.Range(0, checked((int)w)).ToArray()).ToArray());

    /// <summary>
    /// Evaluates only the first <paramref name="kept"/>[l] neurons of each layer until the scope is
    /// disposed, then all of them again (also when the work inside throws). One narrowing at a time.
    /// </summary>
    /// <param name="removedMeans">
    /// when given (each neuron's mean activation, per layer, in the checkpoint's order), every FFN also adds
    /// the removed neurons' mean contribution, W_down[:, removed] x mean[removed], to its output: FLAP's bias
    /// compensation, which a pruned checkpoint carries as down_proj's bias
    /// </param>
    public IDisposable Narrow(IReadOnlyList<int> kept, IReadOnlyList<double[]>? removedMeans = null)
    {
        if (kept.Count != Layers)
        {
            throw new ArgumentException($"{kept.Count} kept counts for {Layers} layers", nameof(kept));
        }
        for (var l = 0; l < Layers; l++)
        {
            if (kept[l] < 0 || kept[l] > _widths[l])
            {
                throw new ArgumentOutOfRangeException(nameof(kept), $"layer {l} keeps {kept[l]} of {_widths[l]} neurons");
            }
            if (removedMeans is not null && (removedMeans.Count != Layers || removedMeans[l].Length != _widths[l]))
            {
                throw new ArgumentException($"layer {l}: the mean activations do not match the FFN's {_widths[l]} neurons", nameof(removedMeans));
            }
        }
        if (_narrowScope is not null)
        {
            throw new InvalidOperationException("the model is already narrowed; dispose that scope first");
        }
        _narrowed = kept.ToArray();
        _compensation = removedMeans is null ? null : Enumerable.Range(0, Layers).Select(l => RemovedContribution(l, kept[l], removedMeans[l])).ToArray();
        return _narrowScope = new Scope(self =>
        {
            if (_narrowScope == self)
            {
                foreach (var bias in _compensation ?? [])
                {
                    bias?.Dispose();
                }
                _compensation = null;
                _narrowed = null;
                _narrowScope = null;
            }
        });
    }

    /// <summary>
    /// W_down[:, kept..] x mean of the neurons now past position <paramref name="kept"/> (float64, then the
    /// weights' dtype); null when none is removed.
    /// </summary>
    private Tensor? RemovedContribution(int layer, int kept, double[] checkpointMeans)
    {
        var removed = (int)_widths[layer] - kept;
        if (removed == 0)
        {
            return null;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var down = _ffns[layer].DownProj.weight!;
        var means = tensor(_order[layer].Skip(kept).Select(i => checkpointMeans[i]).ToArray(), dtype: ScalarType.Float64, device: down.device);
        return down.narrow(1, kept, removed).to(ScalarType.Float64).matmul(means).to(down.dtype).DetachFromDisposeScope();
    }

    /// <summary>
    /// Puts each vision layer's FFN neurons in <paramref name="order"/> (order[l][j] = checkpoint index of the
    /// neuron to place at position j), moving input-projection rows and output-projection columns together,
    /// which leaves the tower's function unchanged. Returns false, touching nothing, when already applied.
    /// </summary>
    /// <exception cref="InvalidOperationException">a vision narrowing or observing scope is open</exception>
    public bool UseVisionOrder(IReadOnlyList<IReadOnlyList<int>> order)
    {
        if (order.Count != _vision.Length)
        {
            throw new ArgumentException($"order has {order.Count} vision layers, the tower has {_vision.Length}", nameof(order));
        }
        for (var l = 0; l < _vision.Length; l++)
        {
            ValidatePermutation(order[l], _visionWidths[l], l);
        }
        if (Enumerable.Range(0, _vision.Length).All(l => order[l].SequenceEqual(_visionOrder[l])))
        {
            return false;
        }
        if (_narrowVisionScope is not null || _observeVisionScope is not null)
        {
            throw new InvalidOperationException("the vision neuron order cannot change while a narrowed or observed vision scope is open");
        }
        for (var l = 0; l < _vision.Length; l++)
        {
            var index = Relocation(_visionOrder[l], order[l]);
            if (!IsIdentity(index))
            {
                Permute(_vision[l], index);
            }
            _visionOrder[l] = order[l].ToArray();
        }
        return true;
    }

    /// <summary>The vision tower back to the order its weights were loaded in (what vision importance scores index).</summary>
    public bool UseVisionCheckpointOrder() =>
        UseVisionOrder(_visionWidths.Select(w => (IReadOnlyList<int>)Enumerable.Range(0, checked((int)w)).ToArray()).ToArray());

    /// <summary>
    /// Evaluates only the first <paramref name="kept"/>[l] neurons of each vision layer's FFN until the scope
    /// is disposed, then all of them again. Independent of the decoder's <see cref="Narrow"/>; one at a time.
    /// </summary>
    public IDisposable NarrowVision(IReadOnlyList<int> kept)
    {
        if (kept.Count != _vision.Length)
        {
            throw new ArgumentException($"{kept.Count} kept counts for {_vision.Length} vision layers", nameof(kept));
        }
        for (var l = 0; l < kept.Count; l++)
        {
            if (kept[l] < 1 || kept[l] > _visionWidths[l])
            {
                throw new ArgumentOutOfRangeException(nameof(kept), $"vision layer {l} keeps {kept[l]} of {_visionWidths[l]} neurons (at least one)");
            }
        }
        if (_narrowVisionScope is not null)
        {
            throw new InvalidOperationException("the vision tower is already narrowed; dispose that scope first");
        }
        _visionNarrowed = kept.ToArray();
        return _narrowVisionScope = new Scope(self =>
        {
            if (_narrowVisionScope == self)
            {
                _visionNarrowed = null;
                _narrowVisionScope = null;
            }
        });
    }

    /// <summary>Sends every decoder FFN's down_proj input to <paramref name="observer"/> until the scope is disposed.</summary>
    public IDisposable Observe(IFfnObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_observeScope is not null)
        {
            throw new InvalidOperationException("the decoder FFNs already have an observer");
        }
        Observer = observer;
        return _observeScope = new Scope(self =>
        {
            if (_observeScope == self)
            {
                Observer = null;
                _observeScope = null;
            }
        });
    }

    /// <summary>Sends every vision FFN's fc2 input to <paramref name="observer"/> until the scope is disposed.</summary>
    public IDisposable ObserveVision(IFfnObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_vision.Length == 0)
        {
            throw new InvalidOperationException("the model has no vision tower");
        }
        if (_observeVisionScope is not null)
        {
            throw new InvalidOperationException("the vision FFNs already have an observer");
        }
        VisionObserver = observer;
        return _observeVisionScope = new Scope(self =>
        {
            if (_observeVisionScope == self)
            {
                VisionObserver = null;
                _observeVisionScope = null;
            }
        });
    }

    /// <summary>Layer <paramref name="layer"/>'s FFN weights in the current order (read them; changing them is the view's job).</summary>
    public (Tensor Gate, Tensor Up, Tensor Down) Weights(int layer)
    {
        var ffn = _ffns[layer];
        return (ffn.GateProj.weight!, ffn.UpProj.weight!, ffn.DownProj.weight!);
    }

    /// <summary>
    /// Neuron j becomes the former neuron index[j]: gate/up rows (and biases) and down columns move together;
    /// down_proj's bias belongs to no neuron and stays.
    /// </summary>
    private static void Permute(FeedForward ffn, long[] index)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var positions = tensor(index, device: ffn.GateProj.weight!.device);
        ffn.GateProj.weight!.set_(ffn.GateProj.weight.index_select(0, positions).contiguous());
        ffn.UpProj.weight!.set_(ffn.UpProj.weight.index_select(0, positions).contiguous());
        ffn.DownProj.weight!.set_(ffn.DownProj.weight.index_select(1, positions).contiguous());
        ffn.GateProj.bias?.set_(ffn.GateProj.bias.index_select(0, positions).contiguous());
        ffn.UpProj.bias?.set_(ffn.UpProj.bias.index_select(0, positions).contiguous());
    }

    /// <summary>index[j] = the position, under <paramref name="current"/>, of the neuron <paramref name="wanted"/> puts at j.</summary>
    private static long[] Relocation(IReadOnlyList<int> current, IReadOnlyList<int> wanted)
    {
        var position = new int[current.Count];
        for (var j = 0; j < position.Length; j++)
        {
            position[current[j]] = j;
        }
        return wanted.Select(original => (long)position[original]).ToArray();
    }

    /// <summary>Neuron j becomes the former neuron index[j]: input-projection rows (and biases) and output columns move together.</summary>
    private static void Permute(IVisionFfn ffn, long[] index)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var positions = tensor(index, device: ffn.OutputProjection.weight!.device);
        foreach (var input in ffn.InputProjections)
        {
            input.weight!.set_(input.weight.index_select(0, positions).contiguous());
            input.bias?.set_(input.bias.index_select(0, positions).contiguous());
        }
        ffn.OutputProjection.weight!.set_(ffn.OutputProjection.weight.index_select(1, positions).contiguous());
    }

    private static void ValidatePermutation(IReadOnlyList<int> order, long width, int layer)
    {
        if (order.Count != width)
        {
            throw new ArgumentException($"layer {layer}: order has {order.Count} entries, the FFN has {width} neurons", nameof(order));
        }
        var seen = new bool[order.Count];
        foreach (var i in order)
        {
            if (i < 0 || i >= seen.Length || seen[i])
            {
                throw new ArgumentException($"layer {layer}: the order is not a permutation of 0..{width - 1}", nameof(order));
            }
            seen[i] = true;
        }
    }

    private static bool IsIdentity(IReadOnlyList<int> order)
    {
        for (var j = 0; j < order.Count; j++)
        {
            if (order[j] != j)
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsIdentity(long[] index)
    {
        for (var j = 0; j < index.Length; j++)
        {
            if (index[j] != j)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Ends its scope once; a second Dispose does nothing.</summary>
    private sealed class Scope(Action<Scope> end) : IDisposable
    {
        private bool _ended;

        public void Dispose()
        {
            if (!_ended)
            {
                _ended = true;
                end(this);
            }
        }
    }
}
