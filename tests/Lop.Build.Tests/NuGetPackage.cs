using System.IO.Compression;
using System.Xml.Linq;

namespace Lop.Build.Tests;

/// <summary>What a .nupkg holds, read the way a feed would: its file list and its nuspec's metadata.</summary>
public sealed class NuGetPackage
{
    public NuGetPackage(string path)
    {
        Path = path;
        Size = new FileInfo(path).Length;
        using var zip = ZipFile.OpenRead(path);
        Files = zip.Entries.Select(e => e.FullName).Where(n => !n.EndsWith('/')).ToList();
        var nuspec = zip.Entries.Single(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        Metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    /// <summary>The gallery refuses larger packages.</summary>
    public const long GalleryLimit = 250L * 1000 * 1000;

    public string Path { get; }
    public long Size { get; }
    public IReadOnlyList<string> Files { get; }
    public XElement Metadata { get; }

    public string? this[string element] => Metadata.Elements().FirstOrDefault(e => e.Name.LocalName == element)?.Value;

    public string? LicenseType => Metadata.Elements().FirstOrDefault(e => e.Name.LocalName == "license")?.Attribute("type")?.Value;

    public IReadOnlyList<string> PackageTypes =>
        Metadata.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => e.Attribute("name")!.Value).ToList();

    /// <summary>Id, version and size, for the test log.</summary>
    public override string ToString() => $"{this["id"]} {this["version"]}: {Size / 1e6:F1} MB";

    /// <summary>The metadata a gallery user looks for, each asserted present and of the kind expected.</summary>
    public void AssertGalleryMetadata(string id, string version)
    {
        Assert.Equal(id, this["id"]);
        Assert.Equal(version, this["version"]);
        Assert.False(string.IsNullOrWhiteSpace(this["description"]), $"{id}: no description");
        Assert.Equal("expression", LicenseType);
        Assert.Equal("MIT", this["license"]);
        Assert.Equal("README.md", this["readme"]);
        Assert.Contains("README.md", Files);
        Assert.False(string.IsNullOrWhiteSpace(this["tags"]), $"{id}: no tags");
        Assert.False(string.IsNullOrWhiteSpace(this["authors"]), $"{id}: no authors");
    }
}
