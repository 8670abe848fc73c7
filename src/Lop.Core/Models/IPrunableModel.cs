using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// A model the engine prunes and evaluates: a text decoder, or a vision-language model around one.
/// Pruning, importance and search act on the decoder's FFNs through <see cref="Prefix"/>, the one
/// owner of their order, widths and observers; the loss is taken on whatever <see cref="Logits"/>
/// makes of a batch (images included), so every step runs on the model's real inputs.
/// </summary>
internal interface IPrunableModel : IDisposable
{
    /// <summary>The decoder FFNs' pruning state: layer count, widths, neuron order, narrowing, observers.</summary>
    PrefixView Prefix { get; }

    /// <summary>
    /// Logits [batch, seq, vocab] for the batch's tokens (and images); with <paramref name="positions"/> (int64 [P],
    /// ascending sequence positions), [batch, P, vocab] at those positions only: the decoder still runs on every
    /// token (attention needs them all), only the output layer is skipped elsewhere.
    /// </summary>
    Tensor Logits(SequenceBatch batch, Tensor? positions = null);

    bool training { get; }

    /// <summary>Sets training (true) or inference (false) mode, as nn.Module.train does.</summary>
    void SetTraining(bool on);
}
