using Lop.Runtime.Errors;
using Lop.Runtime.Running;
using Lop.Runtime.Variants;

// Runs the pruned variant this machine should use. Lop.Build wrote one variant per target of lop.yaml and copied
// them beside the app (lop-variants/<target>/); Lop.Runtime chooses the largest whose weights and KV cache fit
// the memory available now, unless `--target NAME` or the LOP_TARGET variable names one.
const string Prompt = "Gets or sets the "; // the sample model read .NET reference documentation: plain completion

try
{
    var catalog = VariantCatalog.Load();
    Console.WriteLine($"{"variant",-14} {"budget",7} {"parameters",11} {"held-out ppl",13} {"gguf",6} {"bytes",11}");
    foreach (var variant in catalog.Variants)
    {
        var m = variant.Manifest;
        Console.WriteLine($"{variant.Name,-14} {m.Budget,7:0.###} {m.ParametersAfter,11:N0} {m.HeldOutPerplexity,13:F4} {variant.Gguf.Type,6} {variant.Gguf.Bytes,11:N0}");
    }

    var request = new VariantRequest
    {
        Target = TargetArgument(args) ?? Environment.GetEnvironmentVariable("LOP_TARGET"),
        // The sample was trained on 128-token windows; a longer context would only enlarge the KV cache.
        ContextLength = catalog.Variants.Min(v => v.Gguf.ContextLength),
    };
    var choice = VariantSelector.Choose(catalog, request);
    Console.WriteLine($"chosen: {choice.Reason}");

    using var model = await LopModel.LoadAsync(choice);
    if (model.Failures.Count > 0)
    {
        Console.WriteLine(model.Report);
    }
    var answer = model.Generate(Prompt, new GenerationOptions { MaxTokens = 64 }); // greedy: the same text every run
    Console.Write(Prompt);
    await foreach (var piece in answer)
    {
        Console.Write(piece);
    }
    Console.WriteLine();
    Console.WriteLine($"{model.Variant.Name}: {answer.Stats}");
    return 0;
}
catch (LopRuntimeException e)
{
    Console.Error.WriteLine(e.Render());
    return 1;
}

static string? TargetArgument(string[] args)
{
    var at = Array.IndexOf(args, "--target");
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
