using Lop.Runtime.Errors;
using Lop.Runtime.Variants;

namespace Lop.Runtime.Tests.Variants;

public sealed class VariantCatalogTests
{
    [Fact]
    public void A_corrupt_manifest_among_good_ones_is_skipped_naming_its_file_and_the_good_ones_stay_usable()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "half", 1000);
        FakeVariants.Write(root, "phone", 500);
        var corrupt = root.Write("broken/lop-manifest.json", "{ \"schema\": 1, \"gguf\": ");

        var catalog = VariantCatalog.Load(root.Path);

        Assert.Equal(["half", "phone"], catalog.Variants.Select(v => v.Name));
        var skipped = Assert.Single(catalog.Skipped);
        Assert.Equal((corrupt, RuntimeErrorCodes.ManifestUnreadable), (skipped.File, skipped.Code));
        Assert.Contains(corrupt, skipped.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_without_a_gguf_block_is_skipped()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "half", 1000);
        var manifest = root.Write("old/lop-manifest.json", "{ \"schema\": 1, \"target\": \"old\" }");

        var skipped = Assert.Single(VariantCatalog.Load(root.Path).Skipped);

        Assert.Equal((manifest, RuntimeErrorCodes.ManifestWithoutGguf), (skipped.File, skipped.Code));
    }

    [Fact]
    public void A_variant_whose_model_file_is_missing_is_skipped_naming_that_file()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "half", 1000);
        var gone = FakeVariants.Write(root, "phone", 500);
        File.Delete(Path.Combine(gone, "model.gguf"));

        var catalog = VariantCatalog.Load(root.Path);

        var skipped = Assert.Single(catalog.Skipped);
        Assert.Equal((Path.Combine(gone, "model.gguf"), RuntimeErrorCodes.GgufFileMissing), (skipped.File, skipped.Code));
        Assert.Equal("half", Assert.Single(catalog.Variants).Name);
    }

    [Fact]
    public void A_variant_whose_vision_projector_is_missing_is_skipped()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "half", 1000);
        var folder = FakeVariants.Write(root, "llava", 500, mmproj: "mmproj.gguf");
        File.Delete(Path.Combine(folder, "mmproj.gguf"));

        Assert.Equal(Path.Combine(folder, "mmproj.gguf"), Assert.Single(VariantCatalog.Load(root.Path).Skipped).File);
    }

    [Fact]
    public void A_llava_variant_carries_its_vision_projector_path()
    {
        using var root = new TempFolder();
        var folder = FakeVariants.Write(root, "llava", 500, mmproj: "mmproj.gguf");

        var variant = Assert.Single(VariantCatalog.Load(root.Path).Variants);

        Assert.True(variant.IsMultimodal);
        Assert.Equal(Path.Combine(folder, "mmproj.gguf"), variant.MmprojPath);
    }

    [Fact]
    public void A_hand_made_variant_without_a_target_is_named_after_its_folder()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "by-hand", 1000, target: null);

        Assert.Equal("by-hand", Assert.Single(VariantCatalog.Load(root.Path).Variants).Name);
    }

    [Fact]
    public void The_manifests_target_names_the_variant_whatever_its_folder()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "folder-a", 1000, target: "phone");

        var variant = Assert.Single(VariantCatalog.Load(root.Path).Variants);

        Assert.Equal(("phone", 1000L, 2, "llama"), (variant.Name, variant.Gguf.Bytes, variant.Gguf.Layers, variant.Gguf.Architecture));
    }

    [Fact]
    public void Variants_are_listed_largest_first()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "a-small", 100);
        FakeVariants.Write(root, "b-large", 900);
        FakeVariants.Write(root, "c-medium", 500);

        Assert.Equal(["b-large", "c-medium", "a-small"], VariantCatalog.Load(root.Path).Variants.Select(v => v.Name));
    }

    [Fact]
    public void A_missing_variants_folder_is_an_error_naming_the_folder()
    {
        using var root = new TempFolder();
        var missing = root.Combine("lop-variants");

        var error = Assert.Throws<LopRuntimeException>(() => VariantCatalog.Load(missing));

        Assert.Equal((RuntimeErrorCodes.VariantsFolderMissing, missing), (error.Code, error.File));
        Assert.StartsWith($"{missing}: error LOP6001: ", error.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_variants_folder_without_variants_is_an_error_naming_the_folder()
    {
        using var root = new TempFolder();
        root.Write("lop-variants.json", "{}");

        var error = Assert.Throws<LopRuntimeException>(() => VariantCatalog.Load(root.Path));

        Assert.Equal((RuntimeErrorCodes.VariantsFolderMissing, root.Path), (error.Code, error.File));
    }

    [Fact]
    public void A_folder_whose_every_variant_is_broken_is_an_error_listing_each_reason()
    {
        using var root = new TempFolder();
        var first = root.Write("a/lop-manifest.json", "not json");
        var second = root.Write("b/lop-manifest.json", "{ \"schema\": 1 }");

        var error = Assert.Throws<LopRuntimeException>(() => VariantCatalog.Load(root.Path));

        Assert.Equal(RuntimeErrorCodes.NoUsableVariant, error.Code);
        Assert.Contains(first, error.Message, StringComparison.Ordinal);
        Assert.Contains(second, error.Message, StringComparison.Ordinal);
    }
}
