namespace Lop.Runtime.Variants;

/// <summary>One usable variant the build shipped: its folder, its files (absolute paths) and its manifest.</summary>
/// <param name="Name">The manifest's <c>target</c>, or the folder name for a variant made by hand.</param>
/// <param name="Folder">The variant folder.</param>
/// <param name="ModelPath">The GGUF model file.</param>
/// <param name="MmprojPath">The GGUF vision projector of a LLaVA variant, else null.</param>
public sealed record Variant(string Name, string Folder, string ModelPath, string? MmprojPath, VariantManifest Manifest)
{
    public GgufInfo Gguf => Manifest.Gguf!;

    public bool IsMultimodal => MmprojPath is not null;
}
