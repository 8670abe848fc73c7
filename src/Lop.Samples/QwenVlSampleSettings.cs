namespace Lop.Samples;

/// <summary>
/// Shape and schedule of the Qwen2.5-VL-architecture multimodal sample: the same rendered scenes and
/// training schedule as the LLaVA sample (<see cref="MultimodalSampleSettings"/>), with a tiny windowed
/// tower (patch 14, merge 2, RMSNorm, gated SiLU MLPs, windows of 2 x 2 merged tokens, the last block
/// full attention) and a small Qwen2 decoder (attention biases, M-RoPE).
/// </summary>
public sealed record QwenVlSampleSettings
{
    /// <summary>112-pixel scenes: smart_resize keeps them (a multiple of 28 within the pixel limits), 8 x 8 patches, 16 image tokens.</summary>
    public int ImageSize { get; init; } = 112;
    public int PatchSize { get; init; } = 14;
    public int MergeSize { get; init; } = 2;

    /// <summary>Window side in pixels: 56 = 2 x 2 merged tokens, so a 112-pixel scene has four windows.</summary>
    public int WindowSize { get; init; } = 56;
    public int VisionLayers { get; init; } = 4;
    public int VisionHidden { get; init; } = 128;
    public int VisionIntermediate { get; init; } = 512;
    public int VisionHeads { get; init; } = 4;

    public int Layers { get; init; } = 8;
    public int HiddenSize { get; init; } = 128;
    public int IntermediateSize { get; init; } = 512;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;

    public int BatchSize { get; init; } = 32;
    public int Steps { get; init; } = 1200;
    public double LearningRate { get; init; } = 2e-3;
    public int WarmupSteps { get; init; } = 50;
    public long Seed { get; init; } = 20251128;

    /// <summary>Image+caption records written as the sample's calibration data.</summary>
    public int CalibrationRecords { get; init; } = 256;

    /// <summary>Held-out scenes with their captions (test-scenes/), as the LLaVA sample writes them.</summary>
    public int TestScenes { get; init; } = 40;
}
