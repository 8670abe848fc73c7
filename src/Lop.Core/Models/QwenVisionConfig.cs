namespace Lop.Core.Models;

/// <summary>
/// Qwen2-VL's or Qwen2.5-VL's vision tower (<c>vision_config</c>) and the token ids around images.
/// Qwen2.5-VL: RMSNorm, gated SiLU MLP with biases, windowed attention except in
/// <see cref="FullAttentionBlocks"/>. Qwen2-VL: LayerNorm, fc1/fc2 quick_gelu MLP, full attention everywhere.
/// </summary>
public sealed record QwenVisionConfig
{
    /// <summary>Qwen2.5-VL's tower (windows, RMSNorm, gated MLP); false for Qwen2-VL's.</summary>
    public bool Windowed { get; init; }

    public int Depth { get; init; }

    /// <summary>The ViT width (2.5-VL <c>hidden_size</c>, 2-VL <c>embed_dim</c>).</summary>
    public int Width { get; init; }

    public int[] IntermediateSizes { get; init; } = [];
    public int NumHeads { get; init; }

    /// <summary>The merger's output width, the language model's hidden size (2.5-VL <c>out_hidden_size</c>, 2-VL <c>hidden_size</c>).</summary>
    public int OutHiddenSize { get; init; }

    public int PatchSize { get; init; } = 14;
    public int MergeSize { get; init; } = 2;
    public int TemporalPatchSize { get; init; } = 2;
    public int InChannels { get; init; } = 3;

    /// <summary>Window side in pixels (2.5-VL; 112 = 4 x 4 merged patches).</summary>
    public int WindowSize { get; init; } = 112;

    public int[] FullAttentionBlocks { get; init; } = [];
    public string HiddenAct { get; init; } = "silu";
    public double NormEps { get; init; } = 1e-6;

    public int ImageTokenId { get; init; } = 151655;
    public int VisionStartTokenId { get; init; } = 151652;
    public int VisionEndTokenId { get; init; } = 151653;

    /// <summary>M-RoPE's split of the decoder's rotary half-dimension into (time, height, width) parts.</summary>
    public int[] MropeSection { get; init; } = [16, 24, 24];

    public int HeadDim => Width / NumHeads;

    /// <summary>Patches in one patch row: channel x temporal x patch x patch.</summary>
    public int PatchFeatures => InChannels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Merged tokens on a window side (112 / 2 / 14 = 4).</summary>
    public int WindowMergedSide => WindowSize / MergeSize / PatchSize;

    /// <summary>Tensors under <paramref name="prefix"/> ("visual.") with their shapes.</summary>
    public IEnumerable<(string Name, long[] Shape)> RequiredTensors(string prefix)
    {
        long d = Width;
        yield return (prefix + "patch_embed.proj.weight", [d, InChannels, TemporalPatchSize, PatchSize, PatchSize]);
        for (var l = 0; l < Depth; l++)
        {
            var p = $"{prefix}blocks.{l}.";
            long width = IntermediateSizes[l];
            foreach (var norm in (string[])["norm1", "norm2"])
            {
                yield return ($"{p}{norm}.weight", [d]);
                if (!Windowed)
                {
                    yield return ($"{p}{norm}.bias", [d]);
                }
            }
            yield return (p + "attn.qkv.weight", [3 * d, d]);
            yield return (p + "attn.qkv.bias", [3 * d]);
            yield return (p + "attn.proj.weight", [d, d]);
            yield return (p + "attn.proj.bias", [d]);
            var (inputs, output) = Windowed ? ((string[])["gate_proj", "up_proj"], "down_proj") : (["fc1"], "fc2");
            foreach (var name in inputs)
            {
                yield return ($"{p}mlp.{name}.weight", [width, d]);
                yield return ($"{p}mlp.{name}.bias", [width]);
            }
            yield return ($"{p}mlp.{output}.weight", [d, width]);
            yield return ($"{p}mlp.{output}.bias", [d]);
        }
        long merged = d * MergeSize * MergeSize;
        yield return (prefix + "merger.ln_q.weight", [d]);
        if (!Windowed)
        {
            yield return (prefix + "merger.ln_q.bias", [d]);
        }
        yield return (prefix + "merger.mlp.0.weight", [merged, merged]);
        yield return (prefix + "merger.mlp.0.bias", [merged]);
        yield return (prefix + "merger.mlp.2.weight", [OutHiddenSize, merged]);
        yield return (prefix + "merger.mlp.2.bias", [OutHiddenSize]);
    }
}
