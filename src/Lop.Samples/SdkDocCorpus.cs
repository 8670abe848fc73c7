using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Lop.Core.Errors;

namespace Lop.Samples;

/// <summary>
/// The built-in calibration corpus: English prose from the .NET reference-pack XML docs. Split by file,
/// so held-out text comes from other assemblies than the training text and measures generalisation
/// rather than memorised boilerplate.
/// </summary>
public sealed class SdkDocCorpus
{
    private SdkDocCorpus(string folder, List<string> trainingFiles, List<string> heldOutFiles,
        List<string> trainingDocuments, List<string> heldOutDocuments, long totalBytes)
    {
        DocsFolder = folder;
        TrainingFiles = trainingFiles;
        HeldOutFiles = heldOutFiles;
        TrainingDocuments = trainingDocuments;
        HeldOutDocuments = heldOutDocuments;
        TotalBytes = totalBytes;
    }

    /// <summary>The ref/netX.Y folder the XML files were read from.</summary>
    public string DocsFolder { get; }

    /// <summary>File names (no folder), sorted ordinally.</summary>
    public IReadOnlyList<string> TrainingFiles { get; }

    public IReadOnlyList<string> HeldOutFiles { get; }

    /// <summary>One paragraph per documented member, by file name then document order, deduplicated.</summary>
    public IReadOnlyList<string> TrainingDocuments { get; }

    /// <summary>Like <see cref="TrainingDocuments"/>, never repeating a training paragraph.</summary>
    public IReadOnlyList<string> HeldOutDocuments { get; }

    /// <summary>UTF-8 bytes of all documents in both parts.</summary>
    public long TotalBytes { get; }

    /// <param name="dotnetRoot">Where to look instead of the usual places (DOTNET_ROOT, the running runtime, PATH).</param>
    /// <param name="heldOutFraction">Roughly this share of the files is held out; at least one file on each side.</param>
    public static SdkDocCorpus Load(string? dotnetRoot = null, double heldOutFraction = 0.25)
    {
        if (!(heldOutFraction > 0 && heldOutFraction < 1))
        {
            throw new LopException(ErrorCodes.InvalidArgument, $"The held-out fraction must be between 0 and 1 (exclusive), not {heldOutFraction}.");
        }
        var folder = SdkDocLocator.FindDocsFolder(dotnetRoot);
        var files = Directory.GetFiles(folder, "*.xml").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (files.Count < 2)
        {
            throw new LopException(ErrorCodes.SampleDocsMissing,
                $"Found {files.Count} documentation file(s) in '{folder}', but the sample corpus needs at least 2 (one to hold out). "
                + "Repair the .NET SDK installation or give your own calibration file.", folder);
        }

        // A file's side depends only on its name, so SDK updates that add assemblies don't reshuffle the rest.
        var heldOutFiles = files.Where(f => Position(f) < heldOutFraction).ToList();
        var trainingFiles = files.Except(heldOutFiles).ToList();
        if (heldOutFiles.Count == 0)
        {
            heldOutFiles.Add(trainingFiles[^1]);
            trainingFiles.RemoveAt(trainingFiles.Count - 1);
        }
        else if (trainingFiles.Count == 0)
        {
            trainingFiles.Add(heldOutFiles[0]);
            heldOutFiles.RemoveAt(0);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        var training = Collect(folder, trainingFiles, seen, ref bytes);
        var heldOut = Collect(folder, heldOutFiles, seen, ref bytes);
        return new SdkDocCorpus(folder, trainingFiles, heldOutFiles, training, heldOut, bytes);
    }

    private static double Position(string fileName)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(fileName));
        return (BitConverter.ToUInt64(hash, 0) >> 11) * (1.0 / (1UL << 53));
    }

    private static List<string> Collect(string folder, List<string> files, HashSet<string> seen, ref long bytes)
    {
        var documents = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(folder, file);
            List<string> paragraphs;
            try
            {
                paragraphs = SdkDocText.Extract(path);
            }
            catch (XmlException ex)
            {
                throw new LopException(ErrorCodes.SampleDocsMissing,
                    $"SDK documentation file is not valid XML: {ex.Message} Repair the .NET SDK installation or give your own calibration file.",
                    path, ex.LineNumber, ex.LinePosition, ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new LopException(ErrorCodes.SampleDocsMissing,
                    $"Cannot read SDK documentation file: {ex.Message}", path, inner: ex);
            }
            foreach (var paragraph in paragraphs)
            {
                if (seen.Add(paragraph))
                {
                    documents.Add(paragraph);
                    bytes += Encoding.UTF8.GetByteCount(paragraph);
                }
            }
        }
        return documents;
    }
}
