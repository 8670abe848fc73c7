using TorchSharp;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Tensor arithmetic that keeps its TorchSharp <see cref="Scalar"/>s alive until libtorch has read them.
/// <para>
/// Why: TorchSharp 0.107 turns every number in a tensor expression into a finalizable Scalar: the 1e-6 of
/// <c>x + 1e-6</c>, the 2 of <c>x.pow(2)</c>, and even the alpha = 1 that <c>x + y</c> passes to
/// <c>add(y, alpha)</c>. The temporary is unreachable once its native handle has been read, so a garbage
/// collection started on another thread during the native call can run its finalizer and free the scalar
/// while libtorch is reading it: "Unknown scalar type" or an assertion in c10/core/Scalar.h, at random
/// (dotnet/TorchSharp#1434 disposes them for the same reason). Measured with a thread that collects in a
/// loop: about one failure in 5,000 such calls; none with the scalar held. A static Scalar is a GC root and
/// never finalized; any other is disposed by <c>using</c> after the call, which also keeps it alive until then.
/// </para>
/// Use these in every forward, loss and statistics path; <c>x * y</c> between two tensors needs none.
/// </summary>
internal static class HeldScalars
{
    /// <summary>The alpha of every held addition: a static root, never finalized.</summary>
    internal static readonly Scalar One = 1;

    /// <summary><c>left + right</c> with a held alpha.</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);

    /// <summary><c>left + value</c>.</summary>
    public static Tensor Plus(this Tensor left, double value)
    {
        using var scalar = value.ToScalar();
        return left.add(scalar, One);
    }

    /// <summary><c>left * value</c>.</summary>
    public static Tensor Times(this Tensor left, double value)
    {
        using var scalar = value.ToScalar();
        return left.mul(scalar);
    }

    /// <summary><c>left / value</c>.</summary>
    public static Tensor DividedBy(this Tensor left, double value)
    {
        using var scalar = value.ToScalar();
        return left.div(scalar);
    }

    /// <summary><c>left == value</c>, element-wise.</summary>
    public static Tensor Matches(this Tensor left, long value)
    {
        using var scalar = value.ToScalar();
        return left.eq(scalar);
    }

    /// <summary><c>x * x</c>: the same as <c>x.pow(2)</c> without a scalar.</summary>
    public static Tensor Squared(this Tensor x) => x * x;

    /// <summary><c>accumulator += value</c> in place, with a held alpha.</summary>
    public static void Accumulate(this Tensor accumulator, Tensor value) => accumulator.add_(value, One);
}
