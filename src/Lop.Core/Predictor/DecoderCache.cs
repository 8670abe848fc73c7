namespace Lop.Core.Predictor;

/// <summary>One prediction's state in one <see cref="DecoderBlock"/>: the keys and values of the positions so far, and scratch rows. Per call, so predictions never share state.</summary>
internal sealed class DecoderCache(int positions, int hidden, int wide)
{
    public float[] Keys { get; } = new float[positions * hidden];

    public float[] Values { get; } = new float[positions * hidden];

    public double[] Scores { get; } = new double[positions];

    public float[] Normed { get; } = new float[hidden];

    public float[] Qkv { get; } = new float[3 * hidden];

    public float[] Merged { get; } = new float[hidden];

    public float[] Wide { get; } = new float[wide];
}
