using System.Text.Json;
using Lop.Core.Artifacts;
using Lop.Core.Errors;
using NuGet.Common;
using NuGet.Packaging;
using NuGet.Packaging.Core;

namespace Lop.Core.Packaging;

/// <summary>
/// A dataset package opened for import and verified: a .nupkg (its <c>lop/</c> files extracted by NuGet's
/// <see cref="PackageArchiveReader"/> into a temporary folder, removed on dispose), a restored package's folder
/// (NuGet's packages folder holds <c>&lt;id&gt;/&lt;version&gt;/lop/</c>), or that <c>lop/</c> folder itself, which is
/// what the package's build props hand to Lop.Build. Opening checks the manifest's format, the digest over every
/// file, and that each listed entry is there with an entry.json naming it; a failure is a coded error and
/// nothing of the package is used.
/// </summary>
internal sealed class DatasetPackage : IDisposable
{
    private readonly string? _extracted;

    private DatasetPackage(string origin, string contentFolder, DatasetPackageManifest manifest, string? extracted)
    {
        Origin = origin;
        ContentFolder = contentFolder;
        Manifest = manifest;
        _extracted = extracted;
    }

    /// <summary>The path the package was opened from, for messages.</summary>
    public string Origin { get; }

    public string ContentFolder { get; }

    public DatasetPackageManifest Manifest { get; }

    public string Name => $"{Manifest.Id} {Manifest.Version}";

    public string EntryFolder(PackagedEntry entry) => Path.Combine(ContentFolder, entry.Kind, entry.Key);

    public static DatasetPackage Open(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            return OpenNupkg(full);
        }
        if (!Directory.Exists(full))
        {
            throw new LopException(ErrorCodes.PackageUnreadable, $"{full} is neither a .nupkg nor a folder; name a dataset package or the folder NuGet restored it to.", full);
        }
        var content = File.Exists(Path.Combine(full, DatasetPackageManifest.FileName)) ? full : Path.Combine(full, DatasetPackageManifest.ContentFolder);
        return Verify(full, content, extracted: null);
    }

    public void Dispose()
    {
        if (_extracted is not null)
        {
            FolderSwap.TryDelete(_extracted);
        }
    }

    private static DatasetPackage OpenNupkg(string path)
    {
        var scratch = Directory.CreateTempSubdirectory("lop-package-").FullName;
        try
        {
            using (var reader = new PackageArchiveReader(path))
            {
                var prefix = DatasetPackageManifest.ContentFolder + "/";
                foreach (var file in reader.GetFiles().Where(f => f.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    var target = Path.GetFullPath(Path.Combine(scratch, file));
                    if (!target.StartsWith(scratch + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    {
                        throw new InvalidDataException($"the entry '{file}' points outside the package");
                    }
                    reader.ExtractFile(file, target, NullLogger.Instance);
                }
            }
            return Verify(path, Path.Combine(scratch, DatasetPackageManifest.ContentFolder), scratch);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or PackagingException or UnauthorizedAccessException)
        {
            FolderSwap.TryDelete(scratch);
            throw new LopException(ErrorCodes.PackageUnreadable, $"{path} cannot be read as a NuGet package ({e.Message}).", path, inner: e);
        }
        catch
        {
            FolderSwap.TryDelete(scratch);
            throw;
        }
    }

    private static DatasetPackage Verify(string origin, string content, string? extracted)
    {
        var manifestPath = Path.Combine(content, DatasetPackageManifest.FileName);
        DatasetPackageManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<DatasetPackageManifest>(File.ReadAllText(manifestPath), DatasetPackageManifest.Json)
                ?? throw new InvalidDataException("it holds null");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException)
        {
            throw Unreadable(origin, extracted, $"{origin} is not a Lop dataset package: {DatasetPackageManifest.ContentFolder}/{DatasetPackageManifest.FileName} "
                + (e is FileNotFoundException or DirectoryNotFoundException ? "is missing" : $"cannot be read ({e.Message})")
                + "; make it with `dotnet lop datasets pack`.", e);
        }
        if (manifest.Format != DatasetPackageManifest.CurrentFormat)
        {
            throw Unreadable(origin, extracted, $"{origin} is a dataset package of format {manifest.Format}; this engine reads format {DatasetPackageManifest.CurrentFormat}. Use the engine version that packed it, or pack it again.");
        }
        var digest = PackageDigest.Compute(content, manifest);
        if (digest != manifest.Digest)
        {
            Discard(extracted);
            throw new LopException(ErrorCodes.PackageDigestMismatch,
                $"{manifest.Id} {manifest.Version} ({origin}) does not match the digest it was packed with: a file was changed, added or removed since `dotnet lop datasets pack`. Nothing of it is used; pack it again from the cache that made it.",
                origin);
        }
        foreach (var entry in manifest.Entries)
        {
            var entryFile = Path.Combine(content, entry.Kind, entry.Key, ArtifactStore.EntryFile);
            try
            {
                var read = ArtifactStore.ReadEntry(entryFile);
                if (read.Kind != entry.Kind || read.Key != entry.Key || read.Version != entry.Version)
                {
                    throw new InvalidDataException($"it names {read.Kind}/{read.Key} v{read.Version}, the manifest {entry.Kind}/{entry.Key} v{entry.Version}");
                }
            }
            catch (InvalidDataException e)
            {
                throw Unreadable(origin, extracted, $"{origin}: the entry {entry.Kind}/{entry.Key} cannot be used ({e.Message}).", e);
            }
        }
        return new DatasetPackage(origin, content, manifest, extracted);
    }

    private static LopException Unreadable(string origin, string? extracted, string message, Exception? inner = null)
    {
        Discard(extracted);
        return new LopException(ErrorCodes.PackageUnreadable, message, origin, inner: inner);
    }

    private static void Discard(string? extracted)
    {
        if (extracted is not null)
        {
            FolderSwap.TryDelete(extracted);
        }
    }
}
