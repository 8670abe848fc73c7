using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lop.Contract;
using Lop.Core.Config;
using Lop.Core.Formats;
using Lop.Core.Allocation;
using Lop.Core.Importance;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Targets;

namespace Lop.Core.Jobs;

/// <param name="EngineVersionRange">a NuGet version range the caller (the MSBuild package) supports, or null</param>
/// <param name="InputsFile">where to write the files this run reads (<see cref="Contract.InputsFile"/>), or null</param>
/// <param name="ArtifactPackages">dataset packages (restored folders or .nupkg files) to import first when they match lop.yaml</param>
public sealed record VariantsRequest(string ConfigFile, string? OutputFolder = null, string? EngineVersionRange = null, string? InputsFile = null,
    IReadOnlyList<string>? ArtifactPackages = null);

/// <summary>
/// <c>dotnet lop variants</c>: the whole pipeline from lop.yaml. Each target's constraint is solved to
/// an exact budget; a target whose variant already exists with the same inputs key is left alone
/// (no tensor work at all when nothing changed); the others get one prediction and one pruned variant.
/// </summary>
public static class VariantsJob
{
    public const string SummaryFile = "lop-variants.json";

    public static VariantsReport Run(VariantsRequest request, IJobProgress progress, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        EnsureSupported(request.EngineVersionRange);
        var config = LopConfig.Load(request.ConfigFile);
        if (request.InputsFile is not null)
        {
            // Before any work: the build's next up-to-date check needs the list even if this run fails later.
            InputsFile.Write(request.InputsFile, LopConfigInputFiles.Of(config));
        }
        var output = Path.GetFullPath(request.OutputFolder ?? config.OutputFolder);
        using var pipeline = ModelPipeline.Open(config.ModelFolder, config.Calibration, config.DType, config.CacheFolder, progress);
        if (request.ArtifactPackages is { Count: > 0 } packages)
        {
            // Before any stage asks for the dataset: a matching package turns the search into a cache hit.
            Packaging.DatasetPackageImport.ImportMatching(pipeline.Store, pipeline.DatasetIdentity(config.Training.Search, config.Training.RewardSequences),
                config.Training.Budgets, packages, progress);
        }
        var summaries = new List<VariantSummary>();
        foreach (var target in config.Targets)
        {
            cancellation.ThrowIfCancellationRequested();
            var solved = config.Solve(target);
            var folder = Path.Combine(output, target.Name);
            var key = InputsKey(pipeline.Fingerprint, pipeline.Inputs.Calibration.ContentHash, config, target, solved.Budget);
            var existing = ReadManifest(folder);
            if (existing?.InputsKey == key && (!config.WritesGguf || HasGguf(folder, existing)))
            {
                progress.Info($"{target.Name}: up to date (budget {solved.Budget:0.####})");
                summaries.Add(Summary(target, solved, folder, existing, upToDate: true));
                continue;
            }
            var manifest = Build(pipeline, config, target, solved, folder, key, progress, cancellation);
            summaries.Add(Summary(target, solved, folder, manifest, upToDate: false));
        }
        RemoveStaleTargets(output, config.Targets.Select(t => t.Name).ToHashSet(StringComparer.Ordinal));
        var report = new VariantsReport(config.YamlPath, output, summaries, VariantManifest.EngineVersionString(), clock.Elapsed.TotalSeconds);
        Directory.CreateDirectory(output);
        Artifacts.AtomicFile.WriteAllText(Path.Combine(output, SummaryFile), VariantsJson.Serialize(report) + "\n");
        return report;
    }

    /// <summary>Refuses to run for a caller that does not support this engine's version (checked before any work).</summary>
    internal static void EnsureSupported(string? range)
    {
        if (string.IsNullOrWhiteSpace(range))
        {
            return;
        }
        if (!NuGet.Versioning.VersionRange.TryParse(range, out var supported))
        {
            throw new Errors.LopException(Errors.ErrorCodes.InvalidArgument, $"--engine-version-range '{range}' is not a NuGet version range such as [0.1.0, 0.2.0).");
        }
        var engine = NuGet.Versioning.NuGetVersion.Parse(VariantManifest.EngineVersionString());
        if (!supported.Satisfies(engine))
        {
            throw new Errors.LopException(Errors.ErrorCodes.EngineVersionUnsupported,
                $"this engine is version {engine}, outside the range {supported.PrettyPrint()} that the calling Lop.Build package supports; use the engine that ships with the package (unset LopEngineCommand) or a Lop.Build version made for this engine.");
        }
    }

    private static VariantManifest Build(ModelPipeline pipeline, LopConfig config, TargetSpec target, SolvedTarget solved, string folder,
        string key, IJobProgress progress, CancellationToken cancellation)
    {
        var inputs = pipeline.Inputs;
        var widths = pipeline.Widths;
        var scores = pipeline.Importance(config.Training.Search.BatchSize, cancellation).Value;
        var granularity = config.Granularity(target);
        // Budget 0 (a dense target) needs no predictor: every neuron is kept.
        var allocation = solved.Budget == 0
            ? BudgetAllocation.FromRatios(new double[widths.Count], widths)
            : pipeline.LopAllocator(config.Training, cancellation).Allocate(widths, solved.Budget, config.Training.Search.Bounds(), granularity);
        var plan = PruningPlan.Create(scores, allocation, ImportanceMethod.Activation);
        var perplexity = Evaluate(inputs.Evaluator(scores, progress), plan, inputs, config, cancellation);
        var written = VariantWriter.Write(inputs.Checkpoint, plan, (before, after) => inputs.Describe(VariantManifest.Create(plan, inputs.Checkpoint.Folder, pipeline.Fingerprint,
            inputs.Calibration.ContentHash, before, after) with
        {
            Target = target.Name,
            Constraint = target.Constraint.Describe(),
            Budget = solved.Budget,
            InputsKey = key,
            HeldOutPerplexity = perplexity,
            Granularity = granularity > 1 ? granularity : null,
        }), folder, progress, cancellation);
        progress.Info($"{target.Name}: budget {solved.Budget:0.####}, {written.ParametersAfter:N0} parameters, held-out perplexity {perplexity:F4} -> {folder}");
        var manifest = ReadManifest(folder)!;
        if (config.WritesGguf)
        {
            manifest = VariantGguf.Write(folder, manifest, target.Quantization, progress, cancellation);
        }
        return manifest;
    }

    /// <summary>The manifest lists a GGUF file and it is there (an interrupted export leaves the manifest without one, so it is redone).</summary>
    private static bool HasGguf(string folder, VariantManifest manifest) =>
        manifest.Gguf is { } gguf && File.Exists(Path.Combine(folder, gguf.File))
        && (gguf.Mmproj is null || File.Exists(Path.Combine(folder, gguf.Mmproj)));

    private static double Evaluate(PrefixEvaluator evaluator, PruningPlan plan, ModelInputs inputs, LopConfig config, CancellationToken cancellation)
    {
        evaluator.UseMethod(ImportanceMethod.Activation);
        return evaluator.Evaluate(plan.KeptCounts, inputs.Calibration.HeldOut, config.Training.Search.BatchSize, cancellation).Perplexity;
    }

    private static VariantSummary Summary(TargetSpec target, SolvedTarget solved, string folder, VariantManifest manifest, bool upToDate) => new(
        target.Name,
        target.Constraint.Describe(),
        solved.Budget,
        folder,
        Path.Combine(folder, VariantManifest.FileName),
        manifest.ParametersAfter,
        Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length),
        manifest.HeldOutPerplexity ?? double.NaN,
        upToDate,
        solved.Explanation);

    /// <summary>Everything a target's variant depends on; the engine version too, so an upgrade rebuilds.</summary>
    private static string InputsKey(string fingerprint, string calibrationHash, LopConfig config, TargetSpec target, double budget)
    {
        var text = string.Join('\n', "lop-variant", VariantManifest.EngineVersionString(), fingerprint, calibrationHash, config.DType,
            JsonSerializer.Serialize(config.Training), budget.ToString("R", CultureInfo.InvariantCulture),
            string.Join(',', config.Formats), config.WritesGguf ? target.Quantization.Name : "", config.Granularity(target).ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    internal static VariantManifest? ReadManifest(string folder)
    {
        var path = Path.Combine(folder, VariantManifest.FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<VariantManifest>(File.ReadAllText(path), VariantManifest.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Variants of targets no longer in lop.yaml are removed (only folders that hold one of our manifests).</summary>
    private static void RemoveStaleTargets(string output, IReadOnlySet<string> targets)
    {
        if (!Directory.Exists(output))
        {
            return;
        }
        foreach (var folder in Directory.GetDirectories(output))
        {
            if (!targets.Contains(Path.GetFileName(folder)) && ReadManifest(folder)?.Target is not null)
            {
                Artifacts.FolderSwap.TryDelete(folder);
            }
        }
    }
}
