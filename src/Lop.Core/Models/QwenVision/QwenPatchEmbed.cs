using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.QwenVision;

/// <summary>
/// Qwen2-VL's patch embedding: a bias-free Conv3d whose kernel equals its stride and the patch, so on
/// flattened patches (channel, frame, y, x) it is a Linear with the kernel reshaped to [width, features].
/// </summary>
internal sealed class QwenPatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly long _width;
    private readonly Conv3d proj;

    public QwenPatchEmbed(string name, QwenVisionConfig config) : base(name)
    {
        _width = config.Width;
        var kernel = ((long)config.TemporalPatchSize, (long)config.PatchSize, (long)config.PatchSize);
        proj = nn.Conv3d(config.InChannels, config.Width, kernel, stride: kernel, bias: false);
        RegisterComponents();
    }

    /// <param name="patches">[rows, channel x frames x patch x patch]</param>
    public override Tensor forward(Tensor patches)
    {
        using var scope = NewDisposeScope();
        var weight = proj.weight!.reshape(_width, -1);
        return nn.functional.linear(patches.to(weight.dtype), weight).MoveToOuterDisposeScope();
    }
}
