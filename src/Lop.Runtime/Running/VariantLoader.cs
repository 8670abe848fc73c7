using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using Lop.Runtime.Errors;
using Lop.Runtime.Variants;

namespace Lop.Runtime.Running;

/// <summary>
/// Loads the chosen variant, or when it fails (a damaged or truncated file, a projector llama.cpp rejects) the
/// next fallback, in the choice's order and never anything outside it. Every failure is kept for the report.
/// </summary>
internal static class VariantLoader
{
    public sealed record Loaded(Variant Variant, LLamaWeights Weights, MtmdWeights? Vision, ModelParams Parameters, IReadOnlyList<VariantLoadFailure> Failures);

    public static async Task<Loaded> LoadAsync(VariantChoice choice, LopModelOptions options, CancellationToken cancellationToken)
    {
        LlamaNatives.EnsureLoaded();
        var failures = new List<VariantLoadFailure>();
        foreach (var variant in choice.InOrder)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var parameters = new ModelParams(variant.ModelPath)
            {
                ContextSize = (uint)choice.ContextLength,
                GpuLayerCount = options.GpuLayers,
            };
            if (options.Threads is int threads)
            {
                parameters.Threads = threads;
            }

            LLamaWeights weights;
            try
            {
                weights = await LLamaWeights.LoadFromFileAsync(parameters, cancellationToken, options.Progress);
            }
            catch (LoadWeightsFailedException) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add(new(variant, variant.ModelPath, "llama.cpp could not load the model (damaged, truncated or of an unsupported architecture)"));
                continue;
            }
            catch (LoadWeightsFailedException e)
            {
                throw new OperationCanceledException("loading was cancelled", e, cancellationToken);
            }

            if (variant.MmprojPath is not { } mmproj)
            {
                return new Loaded(variant, weights, null, parameters, failures);
            }
            try
            {
                var visionParameters = MtmdContextParams.Default();
                visionParameters.UseGpu = options.GpuLayers > 0;
                if (options.Threads is int visionThreads)
                {
                    visionParameters.NThreads = visionThreads;
                }
                var vision = await MtmdWeights.LoadFromFileAsync(mmproj, weights, visionParameters, cancellationToken);
                return new Loaded(variant, weights, vision, parameters, failures);
            }
            catch (Exception e) when (e is RuntimeError or InvalidOperationException or IOException)
            {
                weights.Dispose();
                failures.Add(new(variant, mmproj, $"llama.cpp could not load the vision projector: {e.Message}"));
            }
            catch
            {
                weights.Dispose();
                throw;
            }
        }
        var folder = Path.GetDirectoryName(choice.Chosen.Folder);
        throw new LopRuntimeException(RuntimeErrorCodes.AllVariantsFailed,
            $"no variant could be loaded: {string.Join("; ", failures)}", folder);
    }
}
