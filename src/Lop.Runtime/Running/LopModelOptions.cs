namespace Lop.Runtime.Running;

/// <summary>How to load a variant.</summary>
public sealed record LopModelOptions
{
    /// <summary>CPU threads for llama.cpp; null lets it choose.</summary>
    public int? Threads { get; init; }

    /// <summary>Layers to offload to a GPU, when the app's LLamaSharp backend has one; 0 keeps everything on the CPU.</summary>
    public int GpuLayers { get; init; }

    /// <summary>Load progress of each variant tried, 0 to 1.</summary>
    public IProgress<float>? Progress { get; init; }
}
