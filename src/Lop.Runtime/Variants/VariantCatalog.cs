using System.Text.Json;
using Lop.Runtime.Errors;

namespace Lop.Runtime.Variants;

/// <summary>
/// The variants in a folder laid out as the build lays them out: <c>&lt;folder&gt;/&lt;target&gt;/lop-manifest.json</c>.
/// A bad variant (corrupt manifest, no <c>gguf</c> block, missing file) is skipped with its reason, so one
/// broken folder never takes the good ones down with it.
/// </summary>
public sealed class VariantCatalog
{
    public const string ManifestFileName = "lop-manifest.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private VariantCatalog(string folder, IReadOnlyList<Variant> variants, IReadOnlyList<SkippedVariant> skipped)
    {
        Folder = folder;
        Variants = variants;
        Skipped = skipped;
    }

    /// <summary>Where the build copies the variants: <c>lop-variants</c> beside the app.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "lop-variants");

    public string Folder { get; }

    /// <summary>Usable variants, largest GGUF first (then by name, so the order never depends on the file system).</summary>
    public IReadOnlyList<Variant> Variants { get; }

    /// <summary>Variant folders that could not be used, in folder-name order.</summary>
    public IReadOnlyList<SkippedVariant> Skipped { get; }

    /// <summary>Reads every variant under <paramref name="folder"/> (default <see cref="DefaultFolder"/>).</summary>
    /// <exception cref="LopRuntimeException">The folder is missing, holds no variant folder, or none of them is usable.</exception>
    public static VariantCatalog Load(string? folder = null)
    {
        folder = Path.GetFullPath(folder ?? DefaultFolder);
        if (!Directory.Exists(folder))
        {
            throw new LopRuntimeException(RuntimeErrorCodes.VariantsFolderMissing,
                "variants folder not found; the build writes lop-variants/<target>/ beside the app (is Lop.Build referenced and lop.yaml present?)", folder);
        }
        var manifests = Directory.GetDirectories(folder)
            .Select(d => Path.Combine(d, ManifestFileName))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (manifests.Count == 0)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.VariantsFolderMissing,
                $"no variant in this folder: no <target>/{ManifestFileName} below it", folder);
        }

        var variants = new List<Variant>();
        var skipped = new List<SkippedVariant>();
        foreach (var manifest in manifests)
        {
            var read = Read(manifest);
            if (read.Variant is { } variant)
            {
                variants.Add(variant);
            }
            else
            {
                skipped.Add(read.Skipped!);
            }
        }
        if (variants.Count == 0)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.NoUsableVariant,
                $"no usable variant: {string.Join("; ", skipped)}", folder);
        }
        var ordered = variants
            .OrderByDescending(v => v.Gguf.Bytes)
            .ThenBy(v => v.Name, StringComparer.Ordinal)
            .ToList();
        return new VariantCatalog(folder, ordered, skipped);
    }

    private static (Variant? Variant, SkippedVariant? Skipped) Read(string manifestPath)
    {
        var folder = Path.GetDirectoryName(manifestPath)!;
        SkippedVariant Skip(string code, string reason, string? file = null) => new(folder, file ?? manifestPath, code, reason);

        VariantManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<VariantManifest>(File.ReadAllText(manifestPath), Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return (null, Skip(RuntimeErrorCodes.ManifestUnreadable, $"manifest unreadable: {e.Message}"));
        }
        if (manifest?.Gguf is not { } gguf)
        {
            return (null, Skip(RuntimeErrorCodes.ManifestWithoutGguf, "manifest has no gguf block: the variant was built without GGUF export"));
        }
        if (Invalid(gguf) is { } problem)
        {
            return (null, Skip(RuntimeErrorCodes.ManifestUnreadable, $"manifest gguf block: {problem}"));
        }

        var model = Path.GetFullPath(Path.Combine(folder, gguf.File));
        if (!File.Exists(model))
        {
            return (null, Skip(RuntimeErrorCodes.GgufFileMissing, "model file named by the manifest is missing", model));
        }
        string? mmproj = null;
        if (!string.IsNullOrEmpty(gguf.Mmproj))
        {
            mmproj = Path.GetFullPath(Path.Combine(folder, gguf.Mmproj));
            if (!File.Exists(mmproj))
            {
                return (null, Skip(RuntimeErrorCodes.GgufFileMissing, "vision projector file named by the manifest is missing", mmproj));
            }
        }
        var name = string.IsNullOrWhiteSpace(manifest.Target) ? Path.GetFileName(folder) : manifest.Target;
        return (new Variant(name, folder, model, mmproj, manifest), null);
    }

    // Deserialisation leaves absent fields null or 0 whatever the record declares; these are the ones sizing needs.
    private static string? Invalid(GgufInfo gguf) =>
        string.IsNullOrWhiteSpace(gguf.File) ? "file is missing"
        : gguf.Bytes <= 0 ? "bytes must be positive"
        : gguf.Layers <= 0 ? "layers must be positive"
        : gguf.KvHeads <= 0 ? "kvHeads must be positive"
        : gguf.HeadDim <= 0 ? "headDim must be positive"
        : null;
}
