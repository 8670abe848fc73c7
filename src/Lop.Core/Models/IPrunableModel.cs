using Lop.Core.Evaluation;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// A model the engine prunes and evaluates: a text decoder, or a vision-language model around one.
/// Pruning, importance and search act on <see cref="LanguageModel"/>'s FFNs; the loss is taken on
/// whatever <see cref="Logits"/> makes of a batch (images included), so every step runs on the
/// model's real inputs.
/// </summary>
internal interface IPrunableModel : IDisposable
{
    /// <summary>The decoder whose FFN neurons are pruned.</summary>
    CausalLm LanguageModel { get; }

    /// <summary>Logits [batch, seq, vocab] for the batch's tokens (and images).</summary>
    Tensor Logits(SequenceBatch batch);

    bool training { get; }

    /// <summary>Sets training (true) or inference (false) mode, as nn.Module.train does.</summary>
    void SetTraining(bool on);
}

/// <summary>The language model's pruning controls, reachable from the whole model.</summary>
internal static class PrunableModelExtensions
{
    extension(IPrunableModel model)
    {
        public IReadOnlyList<DecoderLayer> Layers => model.LanguageModel.Layers;

        public void SetActiveWidths(IReadOnlyList<long>? widths) => model.LanguageModel.SetActiveWidths(widths);

        public void ObserveFfns(IFfnObserver? observer) => model.LanguageModel.ObserveFfns(observer);
    }
}
