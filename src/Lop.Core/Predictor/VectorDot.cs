using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lop.Core.Predictor;

/// <summary>
/// The dot product the managed predictor spends its time in. Not TensorPrimitives.Dot: that generic
/// code ships without precompiled native code, so a fresh process pays its JIT and runs it unoptimised
/// for the first calls, which alone took longer than the 20 ms a cold prediction may take.
/// </summary>
internal static class VectorDot
{
    /// <summary>
    /// Methods marked like this one skip tiered compilation: optimised from their first call, as a
    /// one-shot <c>dotnet lop predict</c> needs, instead of after dozens of slow calls.
    /// </summary>
    public const MethodImplOptions Optimised = MethodImplOptions.AggressiveOptimization;

    [MethodImpl(Optimised)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<float>.Count)
        {
            var first = Vector256<float>.Zero;
            var second = Vector256<float>.Zero;
            for (; i + (2 * Vector256<float>.Count) <= a.Length; i += 2 * Vector256<float>.Count)
            {
                first += Vector256.Create(a[i..]) * Vector256.Create(b[i..]);
                second += Vector256.Create(a[(i + Vector256<float>.Count)..]) * Vector256.Create(b[(i + Vector256<float>.Count)..]);
            }
            for (; i + Vector256<float>.Count <= a.Length; i += Vector256<float>.Count)
            {
                first += Vector256.Create(a[i..]) * Vector256.Create(b[i..]);
            }
            sum = Vector256.Sum(first + second);
        }
        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
