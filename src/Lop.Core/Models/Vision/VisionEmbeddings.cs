using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>
/// Patches by a strided convolution, a class token in front (CLIP), plus learned position embeddings:
/// pixels [batch, 3, H, W] to [batch, positions, hidden].
/// </summary>
internal sealed class VisionEmbeddings : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d patch_embedding;
    private readonly Parameter? class_embedding;
    private readonly Embedding position_embedding;

    public VisionEmbeddings(string name, VisionConfig config) : base(name)
    {
        patch_embedding = nn.Conv2d(config.NumChannels, config.HiddenSize, config.PatchSize, stride: config.PatchSize, bias: !config.HasClassToken);
        class_embedding = config.HasClassToken ? new Parameter(zeros(config.HiddenSize)) : null;
        position_embedding = nn.Embedding(config.NumPositions, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var patches = patch_embedding.forward(pixels.to(patch_embedding.weight!.dtype)).flatten(2).transpose(1, 2);
        if (class_embedding is not null)
        {
            var classToken = class_embedding.reshape(1, 1, -1).expand(patches.shape[0], 1, -1);
            patches = cat([classToken, patches], 1);
        }
        return patches.Plus(position_embedding.weight!.unsqueeze(0)).MoveToOuterDisposeScope();
    }
}
