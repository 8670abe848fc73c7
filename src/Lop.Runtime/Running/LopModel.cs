using LLama;
using LLama.Common;
using Lop.Runtime.Errors;
using Lop.Runtime.Variants;

namespace Lop.Runtime.Running;

/// <summary>
/// A loaded variant, ready to generate. Load it from a <see cref="VariantChoice"/>: the chosen variant, or the
/// first fallback that loads when it does not. Each generation runs in its own llama.cpp context of the
/// choice's context length.
/// </summary>
public sealed class LopModel : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly MtmdWeights? _vision;
    private readonly ModelParams _parameters;

    private LopModel(VariantChoice choice, VariantLoader.Loaded loaded)
    {
        Choice = choice;
        Variant = loaded.Variant;
        Failures = loaded.Failures;
        _weights = loaded.Weights;
        _vision = loaded.Vision;
        _parameters = loaded.Parameters;
    }

    /// <summary>Loads <paramref name="choice"/>'s variant, falling back in its order.</summary>
    /// <exception cref="LopRuntimeException">No variant of the choice loaded (LOP6202), with each failure.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<LopModel> LoadAsync(VariantChoice choice, LopModelOptions? options = null, CancellationToken cancellationToken = default)
    {
        var loaded = await VariantLoader.LoadAsync(choice, options ?? new LopModelOptions(), cancellationToken);
        return new LopModel(choice, loaded);
    }

    public VariantChoice Choice { get; }

    /// <summary>The variant that loaded: the chosen one, or a fallback when <see cref="Failures"/> is not empty.</summary>
    public Variant Variant { get; }

    /// <summary>The variants tried before <see cref="Variant"/>, each with the file and reason it failed.</summary>
    public IReadOnlyList<VariantLoadFailure> Failures { get; }

    /// <summary>Whether the GGUF carries a chat template that prompts are wrapped in.</summary>
    public bool HasChatTemplate => PromptFormat.HasChatTemplate(_weights);

    /// <summary>"phone loaded" or "half failed (path: reason); loaded phone, fallback 1 of 2".</summary>
    public string Report => Failures.Count == 0
        ? $"{Variant.Name} loaded"
        : $"{string.Join("; ", Failures.Select(f => $"{f.Variant.Name} failed ({f.File}: {f.Reason})"))}; loaded {Variant.Name}, "
          + $"fallback {Choice.Fallbacks.ToList().IndexOf(Variant) + 1} of {Choice.Fallbacks.Count}";

    /// <summary>Generates text after <paramref name="prompt"/>, streamed as it is decoded.</summary>
    public GenerationStream Generate(string prompt, GenerationOptions? options = null) =>
        new((report, cancellationToken) => TextGeneration.Run(_weights, _parameters, prompt, options ?? new GenerationOptions(), report, cancellationToken));

    /// <summary>
    /// Generates text about the image at <paramref name="imagePath"/> (PNG, JPEG, ...), for a LLaVA variant. The image
    /// goes where the prompt holds llama.cpp's media marker, else in front of the prompt.
    /// </summary>
    /// <exception cref="LopRuntimeException">The loaded variant has no vision projector (LOP6203).</exception>
    public GenerationStream Generate(string imagePath, string prompt, GenerationOptions? options = null)
    {
        if (_vision is null)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.NoVisionProjector,
                $"variant '{Variant.Name}' has no vision projector (gguf.mmproj in its manifest); it reads text only", Variant.ModelPath);
        }
        return new((report, cancellationToken) =>
            ImageGeneration.Run(_weights, _vision, _parameters, imagePath, prompt, options ?? new GenerationOptions(), report, cancellationToken));
    }

    public void Dispose()
    {
        _vision?.Dispose();
        _weights.Dispose();
    }
}
