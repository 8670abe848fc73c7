using System.Security;
using System.Text.Json;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using NuGet.Packaging;
using NuGet.Versioning;

namespace Lop.Core.Packaging;

/// <summary>
/// Writes a dataset package with NuGet's own <see cref="PackageBuilder"/> (nuspec, OPC parts, deterministic zip):
/// <c>lop/&lt;kind&gt;/&lt;key&gt;/</c> holds each cache entry as the cache holds it (payload and entry.json),
/// <c>lop/package.json</c> the manifest and digest, and <c>build/&lt;id&gt;.props</c> adds the <c>lop/</c> folder to the
/// <c>LopArtifactPackage</c> item of the project that references the package, which Lop.Build hands to the engine.
/// The package is assembled in a temporary folder and file and renamed into place.
/// </summary>
internal static class DatasetPackageWriter
{
    /// <summary>What a NuGet gallery accepts (nuget.org: 250 MB); a larger package would be refused on push.</summary>
    public const long GalleryLimit = 250L * 1000 * 1000;

    public const string ItemName = "LopArtifactPackage";

    /// <summary>Packs the entries (folders of the store) and returns the .nupkg's path and size.</summary>
    public static (string Path, long Bytes) Write(string outputFolder, DatasetPackageManifest manifest, IReadOnlyList<string> entryFolders)
    {
        Directory.CreateDirectory(outputFolder);
        var staging = Path.Combine(outputFolder, $".{manifest.Id}.{manifest.Version}.tmp-{Guid.NewGuid():N}");
        var content = Path.Combine(staging, DatasetPackageManifest.ContentFolder);
        try
        {
            foreach (var (folder, entry) in entryFolders.Zip(manifest.Entries))
            {
                var target = Directory.CreateDirectory(Path.Combine(content, entry.Kind, entry.Key)).FullName;
                foreach (var file in Directory.EnumerateFiles(folder))
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                }
            }
            var sealedManifest = manifest with { Digest = PackageDigest.Compute(content, manifest) };
            File.WriteAllText(Path.Combine(content, DatasetPackageManifest.FileName), JsonSerializer.Serialize(sealedManifest, DatasetPackageManifest.Json));
            var props = Path.Combine(staging, "build", manifest.Id + ".props");
            Directory.CreateDirectory(Path.GetDirectoryName(props)!);
            File.WriteAllText(props, Props(manifest));

            var builder = new PackageBuilder(deterministic: true)
            {
                Id = manifest.Id,
                Version = NuGetVersion.Parse(manifest.Version),
                Description = $"Lop search dataset for {Path.GetFileName(manifest.Model.TrimEnd('/', '\\'))} (budgets {string.Join(", ", manifest.Budgets)}; "
                    + $"{string.Join(", ", manifest.Entries.Select(e => e.Kind))}). Reference it from a project that uses Lop.Build: a build whose lop.yaml names "
                    + "the same model, calibration and search settings imports it into the artifact cache instead of searching.",
                // Build-time data: it must not flow to the projects that reference the consumer.
                DevelopmentDependency = true,
            };
            builder.Authors.Add("dotnet lop datasets pack");
            builder.Tags.Add("lop-dataset");
            foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories))
            {
                builder.Files.Add(new PhysicalPackageFile { SourcePath = file, TargetPath = Path.GetRelativePath(staging, file).Replace('\\', '/') });
            }
            var destination = Path.Combine(outputFolder, $"{manifest.Id}.{NuGetVersion.Parse(manifest.Version).ToNormalizedString()}.nupkg");
            var temporary = destination + $".tmp-{Guid.NewGuid():N}";
            try
            {
                using (var stream = File.Create(temporary))
                {
                    builder.Save(stream);
                }
                var bytes = new FileInfo(temporary).Length;
                if (bytes > GalleryLimit)
                {
                    throw new LopException(ErrorCodes.PackageTooLarge,
                        $"the package would be {bytes / 1e6:F1} MB, over the {GalleryLimit / 1e6:F0} MB a NuGet gallery accepts; pack without --include, or search fewer budgets per dataset.", destination);
                }
                File.Move(temporary, destination, overwrite: true);
                return (destination, bytes);
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }
        finally
        {
            FolderSwap.TryDelete(staging);
        }
    }

    /// <summary>NuGet imports build/&lt;id&gt;.props into every project that references the package.</summary>
    private static string Props(DatasetPackageManifest manifest) => $"""
        <Project>
          <!-- Written by `dotnet lop datasets pack`. Hands this package's Lop artifacts (lop/) to Lop.Build, whose engine imports
               them into its artifact cache when they match lop.yaml's model, calibration and search settings, and searches otherwise. -->
          <ItemGroup>
            <{ItemName} Include="$([MSBuild]::NormalizeDirectory('$(MSBuildThisFileDirectory)..', '{DatasetPackageManifest.ContentFolder}'))"
                        PackageId="{SecurityElement.Escape(manifest.Id)}"
                        PackageVersion="{SecurityElement.Escape(manifest.Version)}" />
          </ItemGroup>
        </Project>

        """;
}
