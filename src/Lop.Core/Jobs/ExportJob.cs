using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Progress;

namespace Lop.Core.Jobs;

public sealed record ExportRequest(string ModelFolder, string Output, string Type = "f16");

/// <summary><c>dotnet lop export</c>: a model folder the engine reads (dense or a variant) as GGUF for llama.cpp.</summary>
public static class ExportJob
{
    public static GgufExportReport Run(ExportRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        var type = GgufExportType.Parse(request.Type);
        using var checkpoint = HfCheckpoint.Open(request.ModelFolder);
        checkpoint.ValidateAgainstConfig();
        return GgufExporter.Export(checkpoint, request.Output, type, progress, cancellation);
    }
}
