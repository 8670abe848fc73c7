using System.Text;
using System.Text.Json;
using Lop.Runtime.Errors;
using Lop.Runtime.Running;
using Lop.Runtime.Variants;

// Captions rendered scenes with the pruned multimodal variant this machine should run: Lop.Build
// shipped one per target of lop.yaml beside the app (lop-variants/<target>/: model.gguf + mmproj.gguf),
// Lop.Runtime picks one and runs it through llama.cpp (mtmd for the image).
//   MultimodalConsole --scenes DIR [--target NAME] [--count N] [--all]
// --target (or LOP_TARGET) forces a variant; --all captions with every variant and prints the share of
// captions that are exactly right (shape, colour, count and position).
var scenes = Option("--scenes") ?? Path.Combine("artifacts", "sample-multimodal", "test-scenes");
var target = Option("--target") ?? Environment.GetEnvironmentVariable("LOP_TARGET");
var count = int.Parse(Option("--count") ?? "8", System.Globalization.CultureInfo.InvariantCulture);
var all = args.Contains("--all");

try
{
    var records = File.ReadLines(Path.Combine(scenes, "captions.jsonl"))
        .Select(line => JsonDocument.Parse(line).RootElement)
        .Select(r => (Image: Path.Combine(scenes, r.GetProperty("image").GetString()!), Caption: r.GetProperty("caption").GetString()!))
        .Take(count)
        .ToList();
    var catalog = VariantCatalog.Load();
    List<string?> names = all ? [.. catalog.Variants.Select(v => v.Name)] : [target];
    Console.WriteLine($"{"variant",-14} {"GGUF bytes",11} {"exact captions",15} {"tokens/s",9}");
    foreach (var name in names)
    {
        var choice = VariantSelector.Choose(catalog, new VariantRequest { Target = name, ContextLength = 256 });
        if (!all)
        {
            Console.WriteLine($"chose {choice.Chosen.Name}: {choice.Reason.Words}");
        }
        using var model = await LopModel.LoadAsync(choice);
        var right = 0;
        double tokensPerSecond = 0;
        foreach (var (image, expected) in records)
        {
            var (caption, stats) = await Caption(model, image);
            right += caption == expected ? 1 : 0;
            tokensPerSecond += stats?.GenerationTokensPerSecond ?? 0;
            if (!all)
            {
                Console.WriteLine($"  {Path.GetFileName(image)}: {caption,-40} {(caption == expected ? "right" : $"expected: {expected}")}");
            }
        }
        Console.WriteLine($"{model.Variant.Name,-14} {model.Variant.Gguf.Bytes,11:N0} {right,6}/{records.Count,-8} {tokensPerSecond / records.Count,9:F0}");
    }
    return 0;
}
catch (LopRuntimeException e)
{
    Console.Error.WriteLine(e.Render());
    return 1;
}

// The sample's captions follow the image after a newline and end with a full stop.
static async Task<(string Caption, GenerationStats? Stats)> Caption(LopModel model, string image)
{
    var text = new StringBuilder();
    var stream = model.Generate(image, "", new GenerationOptions { MaxTokens = 48, UseChatTemplate = false });
    await foreach (var piece in stream)
    {
        text.Append(piece);
        if (piece.Contains('.') || piece.Contains('\n'))
        {
            break;
        }
    }
    var caption = text.ToString();
    var end = caption.IndexOfAny(['.', '\n']);
    return (end >= 0 && caption[end] == '.' ? caption[..(end + 1)] : caption.Trim(), stream.Stats);
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
