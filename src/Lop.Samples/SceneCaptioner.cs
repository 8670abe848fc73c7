using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lop.Core.Calibration;
using Lop.Core.Formats;
using Lop.Core.Images;
using Lop.Core.Loading;
using Lop.Core.Models;
using Lop.Samples.Scenes;
using static TorchSharp.torch;

namespace Lop.Samples;

/// <summary>
/// How well greedy captions match the scenes' true captions: the share exactly right, and the share
/// right in each of the four things a caption names (a caption that does not parse is wrong in all).
/// </summary>
public sealed record SceneCaptionScore
{
    public required int Scenes { get; init; }
    public required double Exact { get; init; }
    public required double Count { get; init; }
    public required double Colour { get; init; }
    public required double Shape { get; init; }
    public required double Position { get; init; }

    /// <summary>Each scene's expected and greedy caption, in the scenes' order.</summary>
    public required IReadOnlyList<SceneCaptionPair> Captions { get; init; }

    public static SceneCaptionScore Of(IReadOnlyList<string> expected, IReadOnlyList<string> greedy)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(greedy);
        if (expected.Count != greedy.Count || expected.Count == 0)
        {
            throw new ArgumentException($"{expected.Count} expected captions against {greedy.Count} greedy ones");
        }
        var pairs = expected.Zip(greedy).ToList();
        var parsed = pairs.Select(p => (Want: SceneCaptionParts.Parse(p.First), Got: SceneCaptionParts.Parse(p.Second))).ToList();
        double Share(Func<SceneCaptionParts, SceneCaptionParts, bool> same) =>
            (double)parsed.Count(p => p.Want is not null && p.Got is not null && same(p.Want, p.Got)) / pairs.Count;
        return new SceneCaptionScore
        {
            Scenes = pairs.Count,
            Exact = (double)pairs.Count(p => p.First == p.Second) / pairs.Count,
            Count = Share((a, b) => a.Count == b.Count),
            Colour = Share((a, b) => a.Colour == b.Colour),
            Shape = Share((a, b) => a.Shape == b.Shape),
            Position = Share((a, b) => a.Position == b.Position),
            Captions = pairs.Select(p => new SceneCaptionPair(p.First, p.Second)).ToList(),
        };
    }
}

/// <summary>A scene's true caption and the greedy one.</summary>
public sealed record SceneCaptionPair(string Expected, string Greedy);

/// <summary>A caption taken apart into what it names; null where it does not follow the template.</summary>
internal sealed record SceneCaptionParts(int Count, SceneColour Colour, SceneShape Shape, ScenePosition Position)
{
    public static SceneCaptionParts? Parse(string caption)
    {
        if (!caption.EndsWith('.'))
        {
            return null;
        }
        var words = caption[..^1].Split(' ');
        if (words.Length < 4)
        {
            return null;
        }
        var counts = Enumerable.Range(SceneSpec.MinCount, SceneSpec.MaxCount).Where(c => SceneCaption.CountWord(c) == words[0]).ToList();
        var colours = Enum.GetValues<SceneColour>().Where(c => SceneCaption.ColourWord(c) == words[1]).ToList();
        // Singular or plural alike: the count word already says which.
        var shapes = Enum.GetValues<SceneShape>().Where(s => SceneCaption.ShapeWord(s, 1) == words[2] || SceneCaption.ShapeWord(s, 2) == words[2]).ToList();
        var position = string.Join(' ', words.Skip(3));
        var positions = Enum.GetValues<ScenePosition>().Where(p => SceneCaption.PositionWords(p) == position).ToList();
        return counts.Count == 1 && colours.Count == 1 && shapes.Count == 1 && positions.Count == 1
            ? new SceneCaptionParts(counts[0], colours[0], shapes[0], positions[0])
            : null;
    }
}

/// <summary>
/// The engine's own greedy captioner for the multimodal sample: the image's tokens, the caption prefix,
/// then the likeliest byte (argmax over the whole vocabulary, as a greedy llama.cpp sampler takes it)
/// again and again until a full stop or a newline, at most <see cref="MaxTokens"/> bytes. What an app
/// gets through llama.cpp should match it; where both miss, the model is the limit, not the runtime.
/// </summary>
public static class SceneCaptioner
{
    public const int MaxTokens = 48;

    /// <summary>Greedy captions for the sample folder's test scenes, scored against their true captions.</summary>
    public static SceneCaptionScore ScoreTestScenes(string sampleFolder, CancellationToken cancellation = default)
    {
        var modelFolder = Path.Combine(sampleFolder, "model");
        using var checkpoint = HfCheckpoint.Open(modelFolder);
        using var model = (LlavaModel)CheckpointLoader.LoadPrunable(checkpoint, ScalarType.Float32);
        model.eval();
        var preprocessor = ImagePreprocessor.FromJson(
            (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(modelFolder, "preprocessor_config.json")))!, "preprocessor_config.json");
        return ScoreTestScenes(model, preprocessor, Path.Combine(sampleFolder, MultimodalSampleJob.TestScenesFolder), cancellation);
    }

    internal static SceneCaptionScore ScoreTestScenes(LlavaModel model, ImagePreprocessor preprocessor, string testScenes, CancellationToken cancellation = default)
    {
        var expected = new List<string>();
        var images = new List<ImagePixels>();
        foreach (var line in File.ReadLines(Path.Combine(testScenes, "captions.jsonl")).Where(l => l.Length > 0))
        {
            using var record = JsonDocument.Parse(line);
            var image = ImageFile.Read(Path.Combine(testScenes, record.RootElement.GetProperty("image").GetString()!));
            images.Add(new ImagePixels(preprocessor.Apply(image), preprocessor.Height, preprocessor.Width));
            expected.Add(record.RootElement.GetProperty("caption").GetString()!);
        }
        return SceneCaptionScore.Of(expected, Caption(model, images, cancellation));
    }

    /// <summary>Greedy captions of <paramref name="images"/> (preprocessed), all decoded together in one batch.</summary>
    internal static IReadOnlyList<string> Caption(LlavaModel model, IReadOnlyList<ImagePixels> images, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        var multimodal = model.Config.Multimodal!;
        var prefix = Enumerable.Repeat(multimodal.ImageTokenIndex, multimodal.ImageTokens)
            .Concat(ByteTokenizer.Instance.Encode(MultimodalSampleJob.CaptionPrefix)).ToArray();
        var generated = images.Select(_ => new List<int>()).ToArray();
        var done = new bool[images.Count];
        if (images.Count == 0)
        {
            return [];
        }

        var first = images[0];
        var flat = new float[images.Count * first.Values.Length];
        for (var i = 0; i < images.Count; i++)
        {
            Array.Copy(images[i].Values, 0, flat, i * first.Values.Length, first.Values.Length);
        }
        using var noGrad = no_grad();
        using var pixels = tensor(flat, [images.Count, 3, first.Height, first.Width]);
        for (var step = 0; step < MaxTokens && done.Any(d => !d); step++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var length = prefix.Length + step;
            var ids = new long[images.Count * length];
            for (var i = 0; i < images.Count; i++)
            {
                for (var t = 0; t < length; t++)
                {
                    // Finished rows keep decoding (a batch is one length) but their bytes are dropped; one that
                    // ended on a non-byte token (the image token among them) is fed a full stop instead.
                    var token = t < prefix.Length ? prefix[t] : generated[i][t - prefix.Length];
                    ids[i * length + t] = t >= prefix.Length && token >= 256 ? '.' : token;
                }
            }
            var logits = model.forward(tensor(ids, [images.Count, length]), pixels);
            var next = logits.select(1, length - 1).argmax(-1).data<long>().ToArray();
            for (var i = 0; i < images.Count; i++)
            {
                var token = (int)next[i];
                generated[i].Add(token);
                if (!done[i] && (token == '.' || token == '\n' || token >= 256))
                {
                    done[i] = true;
                }
            }
        }
        return generated.Select(Text).ToArray();
    }

    /// <summary>The caption's bytes up to and including the first full stop (a newline or a non-byte token ends it unprinted).</summary>
    private static string Text(List<int> tokens)
    {
        var text = new StringBuilder();
        foreach (var token in tokens)
        {
            if (token == '\n' || token >= 256)
            {
                break;
            }
            text.Append((char)token);
            if (token == '.')
            {
                break;
            }
        }
        return text.ToString();
    }
}
