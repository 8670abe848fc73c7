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

    /// <summary>
    /// The prompt's text as the model's own tokens and only the image through mtmd: mtmd's text chunks
    /// end with a token of its own after the image (token 0 in llama.cpp c0c7e14), which the model never
    /// saw in training and which changes what it predicts. The text after the image is decoded with
    /// logits on its last token, which the token loop samples from (mtmd computes none for images).
    /// </summary>
    private static (int Tokens, int Positions) Evaluate(MtmdWeights vision, LLamaContext context, string imagePath, string text, string modelPath)
    {
        var marker = NativeApi.MtmdDefaultMarker() ?? "<__media__>";
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        var before = context.Tokenize(text[..at], addBos: context.Vocab.ShouldAddBOS, special: true);
        var after = context.Tokenize(text[(at + marker.Length)..], addBos: false, special: true);
        if (after.Length == 0)
        {
            throw new LopRuntimeException(RuntimeErrorCodes.InvalidRequest, "the prompt must have text after the image: generation starts from its last token", imagePath);
        }
        vision.ClearMedia();
        using var image = vision.LoadMedia(imagePath)
            ?? throw new LopRuntimeException(RuntimeErrorCodes.ImageUnreadable, "the vision projector could not decode this image", imagePath);
        var status = vision.Tokenize(marker, addSpecial: false, parseSpecial: true, out var chunks);
        using (chunks)
        {
            if (status != 0 || chunks is null)
            {
                throw new LopRuntimeException(RuntimeErrorCodes.ImageUnreadable, $"mtmd could not tokenize the image (status {status})", imagePath);
            }
            var imagePositions = chunks.Enumerate().Where(c => c.Type != SafeMtmdInputChunk.SafeMtmdInputChunkType.Text).Sum(c => c.NPos);
            var positions = before.Length + imagePositions + after.Length;
            if (positions >= context.ContextSize)
            {
                throw new LopRuntimeException(RuntimeErrorCodes.PromptTooLong,
                    $"image and prompt take {positions} positions, the context only {context.ContextSize}", modelPath);
            }
            var past = 0;
            Decode(context, before, ref past, logitsLast: false, modelPath);
            foreach (var chunk in chunks.Enumerate().Where(c => c.Type != SafeMtmdInputChunk.SafeMtmdInputChunkType.Text))
            {
                if (vision.NativeHandle.EvaluateChunk(chunk.NativePtr, context.NativeHandle, ref past, 0, (int)context.BatchSize, false) != 0)
                {
                    throw new LopRuntimeException(RuntimeErrorCodes.DecodeFailed, "mtmd could not evaluate the image", imagePath);
                }
            }
            Decode(context, after, ref past, logitsLast: true, modelPath);
            return (before.Length + (int)chunks.CountTokens() + after.Length, past);
        }
    }

    private static void Decode(LLamaContext context, LLamaToken[] tokens, ref int past, bool logitsLast, string modelPath)
    {
        var batch = new LLamaBatch();
        for (var start = 0; start < tokens.Length; start += (int)context.BatchSize)
        {
            batch.Clear();
            var end = Math.Min(tokens.Length, start + (int)context.BatchSize);
            for (var i = start; i < end; i++)
            {
                batch.Add(tokens[i], past++, LLamaSeqId.Zero, logitsLast && i == tokens.Length - 1);
            }
            if (context.NativeHandle.Decode(batch) != DecodeResult.Ok)
            {
                throw new LopRuntimeException(RuntimeErrorCodes.DecodeFailed, "llama.cpp could not decode the prompt", modelPath);
            }
        }
    }
}
