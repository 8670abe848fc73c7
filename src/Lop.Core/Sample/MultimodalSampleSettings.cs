namespace Lop.Core.Sample;

/// <summary>
/// Shape and schedule of the built-in multimodal sample: a LLaVA-architecture model (CLIP-style ViT,
/// two-layer projector, LLaMA decoder) small enough to train on two CPU cores in minutes, on synthetic
/// scenes whose captions name what only the image shows (count, colour, shape, position).
/// </summary>
public sealed record MultimodalSampleSettings
{
    public int ImageSize { get; init; } = 32;
    public int PatchSize { get; init; } = 8;
    public int VisionLayers { get; init; } = 4;
    public int VisionHidden { get; init; } = 64;
    public int VisionIntermediate { get; init; } = 256;
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
}
