namespace Lop.Samples;

/// <summary>
/// Shape and schedule of the built-in multimodal sample: a LLaVA-architecture model (SigLIP-style ViT,
/// two-layer projector, LLaMA decoder) small enough to train on two CPU cores in minutes, on synthetic
/// scenes whose captions name what only the image shows (count, colour, shape, position).
/// </summary>
public sealed record MultimodalSampleSettings
{
    /// <summary>
    /// SigLIP (no class token) rather than CLIP: the llama.cpp that LLamaSharp 0.30.0 bundles puts a
    /// CLIP tower's class token after the patches instead of before them (ggml-org/llama.cpp#25814),
    /// so a CLIP LLaVA computes other image features there than in transformers. The sample's
    /// variants are meant to run in llama.cpp, so it uses the tower llama.cpp runs exactly.
    /// </summary>
    public string VisionType { get; init; } = Lop.Core.Models.VisionConfig.Siglip;

    /// <summary>
    /// 64-pixel scenes in 16-pixel patches: still 16 image tokens (so the decoder's work is unchanged),
    /// but each shape is 16 to 18 pixels across instead of 8 to 9. With 32-pixel scenes, 8-pixel patches
    /// and a 64-wide tower the engine's greedy captions named the right shape for 42% of the test scenes
    /// (35% exact); with these and the 128-wide tower below, see the README.
    /// </summary>
    public int ImageSize { get; init; } = 64;
    public int PatchSize { get; init; } = 16;
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

    /// <summary>Held-out scenes with their captions, for captioning apps (samples/MultimodalConsole).</summary>
    public int TestScenes { get; init; } = 40;
}
