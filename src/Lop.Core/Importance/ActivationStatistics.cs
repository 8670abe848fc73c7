using Lop.Core.Models;
using static TorchSharp.torch;

namespace Lop.Core.Importance;

/// <summary>
/// Accumulates, per layer and FFN neuron, the sum and the sum of squares of the down_proj input over
/// every calibration token (float64, so thousands of batches do not lose precision). From these come
/// the activation RMS (LOP's score), the activation L2 norm (Wanda) and the variance (FLAP).
/// </summary>
internal sealed class ActivationStatistics : IFfnObserver, IDisposable
{
    private readonly Tensor[] _sums;
    private readonly Tensor[] _squares;

    public ActivationStatistics(IReadOnlyList<long> widths)
    {
        _sums = widths.Select(w => zeros(w, dtype: ScalarType.Float64).DetachFromDisposeScope()).ToArray();
        _squares = widths.Select(w => zeros(w, dtype: ScalarType.Float64).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Tokens observed (per layer they are the same).</summary>
    public long Tokens { get; private set; }

    public void Observe(int layer, Tensor hidden)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = hidden.reshape(-1, hidden.shape[^1]).to(ScalarType.Float64);
        _sums[layer].Accumulate(flat.sum(dim: 0));
        // dim: named on purpose: a literal 0 would bind to sum(ScalarType) and total everything.
        _squares[layer].Accumulate(flat.Squared().sum(dim: 0));
        if (layer == 0)
        {
            Tokens += flat.shape[0];
        }
    }

    public double[] Sum(int layer) => _sums[layer].data<double>().ToArray();

    public double[] SumOfSquares(int layer) => _squares[layer].data<double>().ToArray();

    public int Layers => _sums.Length;

    public void Dispose()
    {
        foreach (var t in _sums.Concat(_squares))
        {
            t.Dispose();
        }
    }
}
