using System.Text;
using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Images;
using Lop.Samples.Scenes;

namespace Lop.Samples;

/// <summary>
/// The rendered scenes both multimodal samples (LLaVA and Qwen2.5-VL) train, calibrate and test on, from
/// three disjoint seed ranges, so no test or calibration scene is ever a training one: training batches
/// below 2^32, calibration records at 2^40 + seed, test scenes at 2^41 + seed.
/// </summary>
internal static class SceneStreams
{
    /// <summary>Folder of scenes no step has seen (neither training nor calibration), for apps that caption them.</summary>
    public const string TestScenesFolder = "test-scenes";

    public const string CalibrationFileName = "calibration.jsonl";

    /// <summary>The scenes of one training step.</summary>
    public static IEnumerable<(RgbImage Image, string Caption)> TrainingBatch(long seed, int step, int batchSize, int imageSize) =>
        Scenes(batchSize, unchecked((ulong)seed) * 1_000_003 + (ulong)step, imageSize);

    /// <summary>
    /// The sequences of one training step: each scene's image span (<see cref="ImageTextCalibration.ImageSettings.ImageSpan"/>),
    /// then <paramref name="captionPrefix"/> and its caption, the loss on the caption only.
    /// </summary>
    public static List<CalibrationSequence> TrainingSequences(long seed, int step, int batchSize, int imageSize,
        ImageTextCalibration.ImageSettings imageSettings, string captionPrefix) =>
        TrainingBatch(seed, step, batchSize, imageSize).Select(scene =>
        {
            var pixels = imageSettings.Prepare(scene.Image);
            var span = imageSettings.ImageSpan(pixels);
            var tokens = span.Concat(ByteTokenizer.Instance.Encode(captionPrefix + scene.Caption)).ToArray();
            return new CalibrationSequence(tokens) { Image = pixels, LossMask = tokens.Select((_, t) => t >= span.Length).ToArray() };
        }).ToList();

    /// <summary>
    /// test-scenes/NNNN.png and test-scenes/captions.jsonl ({"image", "caption"}), drawn from seeds
    /// above both the training and the calibration ranges.
    /// </summary>
    public static void WriteTestScenes(string work, int count, long seed, int imageSize)
    {
        var folder = Path.Combine(work, TestScenesFolder);
        Directory.CreateDirectory(folder);
        var lines = new StringBuilder();
        var i = 0;
        foreach (var (image, caption) in Scenes(count, (1UL << 41) + unchecked((ulong)seed), imageSize))
        {
            var name = $"{i++:D4}.png";
            ImageFile.WritePng(image, Path.Combine(folder, name));
            lines.Append(JsonSerializer.Serialize(new { image = name, caption })).Append('\n');
        }
        File.WriteAllText(Path.Combine(folder, "captions.jsonl"), lines.ToString());
    }

    /// <summary>images/NNNN.png and one JSONL record per image, as a user's calibration data would be; returns the JSONL's path.</summary>
    public static string WriteCalibration(string work, int count, long seed, int imageSize, string captionPrefix)
    {
        var images = Path.Combine(work, "images");
        Directory.CreateDirectory(images);
        var lines = new StringBuilder();
        var i = 0;
        foreach (var (image, caption) in Scenes(count, (1UL << 40) + unchecked((ulong)seed), imageSize))
        {
            var name = $"images/{i++:D4}.png";
            ImageFile.WritePng(image, Path.Combine(work, name));
            lines.Append(JsonSerializer.Serialize(new { image = name, text = ImageTextCalibration.ImagePlaceholder + captionPrefix + caption })).Append('\n');
        }
        var path = Path.Combine(work, CalibrationFileName);
        File.WriteAllText(path, lines.ToString());
        return path;
    }

    private static IEnumerable<(RgbImage Image, string Caption)> Scenes(int count, ulong seed, int size)
    {
        var specs = SceneGenerator.Generate(count, seed);
        for (var i = 0; i < specs.Count; i++)
        {
            yield return (SceneRenderer.Render(specs[i], size, seed * 31 + (ulong)i), SceneCaption.For(specs[i]));
        }
    }
}
