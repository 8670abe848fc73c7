using Lop.Core.Calibration;
using Lop.Core.Formats;
using Lop.Core.Loading;
using Lop.Core.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Multimodal;

/// <summary>A float16 Qwen-VL checkpoint: its tower's MLP activations can leave float16's range, so the tower runs in float32.</summary>
public class QwenVlFloat16Tests
{
    public QwenVlFloat16Tests() => Lop.Native.TorchRuntime.EnsureLoaded();

    [Fact]
    public void A_float16_checkpoint_runs_its_tower_in_float32_and_an_activation_beyond_float16_stays_finite()
    {
        using var temp = new TempFolder();
        var config = TinyQwenVl.Config(windowed: true);
        using var model = Overflowing(TinyQwenVl.Random(config));
        model.to(ScalarType.Float16);
        var folder = TinyQwenVl.Save(model, temp.Sub("model"));
        var sequences = WithBrightImage(TinyQwenVl.Sequences(config, 2));

        // The tower in float16, as the checkpoint stores it: silu(480) x 480 = 230,400 > 65,504.
        using (var halfLogits = TinyLlava.Logits(model, sequences))
        {
            Assert.False(halfLogits.isfinite().all().item<bool>(), "the control overflows nothing: the test would pass without the fix");
        }

        using var checkpoint = HfCheckpoint.Open(folder);
        using var loaded = (QwenVlModel)CheckpointLoader.LoadPrunable(checkpoint);
        var dtypes = loaded.named_parameters().ToLookup(p => p.name.StartsWith("visual.", StringComparison.Ordinal), p => p.parameter.dtype);
        Assert.All(dtypes[true], dtype => Assert.Equal(ScalarType.Float32, dtype));
        Assert.All(dtypes[false], dtype => Assert.Equal(ScalarType.Float16, dtype));
        using var logits = TinyLlava.Logits(loaded, sequences);
        Assert.Equal(ScalarType.Float16, logits.dtype);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    /// <summary>
    /// Patch features all 2.4 (constant patch weights on an all-ones image), block 0's attention output zeroed so
    /// its MLP sees them normalised and positive, and gate/up weights of 60: every MLP neuron reaches about 480 x 480.
    /// </summary>
    private static QwenVlModel Overflowing(QwenVlModel model)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name == "visual.patch_embed.proj.weight")
            {
                parameter.fill_(0.1);
            }
            else if (name.StartsWith("visual.blocks.0.attn.proj.", StringComparison.Ordinal) || name is "visual.blocks.0.mlp.gate_proj.bias" or "visual.blocks.0.mlp.up_proj.bias")
            {
                parameter.zero_();
            }
            else if (name is "visual.blocks.0.mlp.gate_proj.weight" or "visual.blocks.0.mlp.up_proj.weight")
            {
                parameter.fill_(60.0);
            }
        }
        return model;
    }

    private static CalibrationSequence[] WithBrightImage(CalibrationSequence[] sequences) =>
        sequences.Select(s => s with { Image = new ImagePixels(Enumerable.Repeat(1f, 3 * TinyQwenVl.ImageHeight * TinyQwenVl.ImageWidth).ToArray(), TinyQwenVl.ImageHeight, TinyQwenVl.ImageWidth) }).ToArray();
}
