using System.Diagnostics;
using System.Runtime.CompilerServices;
using LLama;
using LLama.Common;
using LLama.Native;
using Lop.Runtime.Errors;

namespace Lop.Runtime.Running;

/// <summary>
/// An image and a prompt through llama.cpp's mtmd: the image is encoded by the variant's vision tower and
/// projector (mmproj), placed where the prompt holds the media marker (in front when the prompt has none),
/// evaluated with the text, then the usual token loop.
/// </summary>
internal static class ImageGeneration
{
    public static async IAsyncEnumerable<string> Run(
        LLamaWeights weights,
        MtmdWeights vision,
        ModelParams parameters,
        string imagePath,
        string prompt,
        GenerationOptions options,
        Action<GenerationStats> report,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!File.Exists(imagePath))
        {
            throw new LopRuntimeException(RuntimeErrorCodes.ImageUnreadable, "image not found", imagePath);
        }
        using var context = weights.CreateContext(parameters);
        var marker = NativeApi.MtmdDefaultMarker() ?? "<__media__>";
        var withImage = prompt.Contains(marker, StringComparison.Ordinal) ? prompt : marker + "\n" + prompt;
        var (text, templated) = PromptFormat.Apply(weights, withImage, options.UseChatTemplate);

        var clock = Stopwatch.StartNew();
        var promptPositions = await Task.Run(() => Evaluate(vision, context, imagePath, text, parameters.ModelPath), cancellationToken);
        var promptTime = clock.Elapsed;

        await foreach (var piece in TokenLoop.Run(context, parameters.ModelPath, promptPositions.Tokens, promptPositions.Positions, -1,
            promptTime, templated, options, report, cancellationToken))
        {
            yield return piece;
        }
    }

    private static (int Tokens, int Positions) Evaluate(MtmdWeights vision, LLamaContext context, string imagePath, string text, string modelPath)
    {
        vision.ClearMedia();
        using var image = vision.LoadMedia(imagePath)
            ?? throw new LopRuntimeException(RuntimeErrorCodes.ImageUnreadable, "the vision projector could not decode this image", imagePath);
        var status = vision.Tokenize(text, addSpecial: true, parseSpecial: true, out var chunks);
        using (chunks)
        {
            if (status != 0 || chunks is null)
            {
                throw new LopRuntimeException(RuntimeErrorCodes.ImageUnreadable, $"mtmd could not tokenize the prompt with the image (status {status})", imagePath);
            }
            var tokens = (int)chunks.CountTokens();
            if (chunks.CountPositions() >= context.ContextSize)
            {
                throw new LopRuntimeException(RuntimeErrorCodes.PromptTooLong,
                    $"image and prompt take {chunks.CountPositions()} positions, the context only {context.ContextSize}", modelPath);
            }
            var past = 0;
            var evaluated = vision.EvaluateChunks(chunks, context.NativeHandle, ref past, 0, (int)context.BatchSize, true);
            if (evaluated != 0)
            {
                throw new LopRuntimeException(RuntimeErrorCodes.DecodeFailed, $"mtmd could not evaluate the image and prompt (status {evaluated})", modelPath);
            }
            return (tokens, past);
        }
    }
}
