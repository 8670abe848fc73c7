using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>A model with a vision tower whose FFNs its <see cref="IPrunableModel.Prefix"/> owns (LLaVA, Qwen2-VL, Qwen2.5-VL).</summary>
internal interface IVisionLanguageModel : IPrunableModel
{
    /// <summary>Runs the vision tower (and projector or merger) on normalised images [batch, 3, H, W] of one size.</summary>
    Tensor ImageFeatures(Tensor pixels);
}
