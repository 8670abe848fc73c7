using System.CommandLine;
using System.Text;
using Lop.Core.Config;
using Lop.Core.Errors;
using Lop.Core.Gguf;
using Lop.Runtime.Running;
using Lop.Runtime.Variants;

namespace Lop.Cli.Commands;

/// <summary>
/// <c>dotnet lop generate</c>: what an app with Lop.Runtime does, from the command line: choose one of the
/// shipped variants for this machine (or the named target, device or memory cap), load its GGUF in llama.cpp
/// and stream greedy text, then the speeds.
/// </summary>
internal static class GenerateCommand
{
    /// <summary>The --json contract.</summary>
    internal sealed record GenerateReport(string Target, string Reason, string Text, double PromptTokensPerSecond, double TokensPerSecond);

    public static Command Create()
    {
        var variants = new Option<DirectoryInfo>("--variants")
        {
            Description = "The variants folder: lop-variants/ beside a built app, or the output of dotnet lop variants (one <target>/lop-manifest.json each, built with formats: [gguf]).",
            Required = true,
        };
        var target = new Option<string?>("--target") { Description = "Run this target's variant, whatever the memory." };
        var device = new Option<string?>("--device") { Description = "Choose the largest variant that fits this catalog device's memory instead of this machine's." };
        var memory = new Option<string?>("--memory") { Description = $"Choose the largest variant that fits in this much memory (weights + KV cache): {Quantities.SizeHelp}." };
        var context = new Option<int?>("--context") { Description = $"Tokens of context (prompt + generated text) the KV cache is sized for (default: the variants' trained context, at most {VariantRequest.DefaultContextLength})." };
        var prompt = new Option<string>("--prompt") { Description = "The prompt: plain completion, or one user message when the model's GGUF has a chat template.", Required = true };
        var image = new Option<FileInfo?>("--image") { Description = "An image the prompt is about (LLaVA variants, through llama.cpp's mtmd)." };
        var maxTokens = new Option<int>("--max-tokens")
        {
            Description = "Most tokens to generate (fewer when the model ends its text or the context is full).",
            DefaultValueFactory = _ => new GenerationOptions().MaxTokens,
        };
        var json = CommonOptions.Json();
        var command = new Command("generate", "Choose a variant for this machine (or a target, device or memory cap), run its GGUF in llama.cpp and stream greedy text, with tokens/s.")
        {
            variants, target, device, memory, context, prompt, image, maxTokens, json,
        };
        command.SetAction(async (result, cancellation) =>
        {
            // Before Lop.Runtime touches llama.cpp: the packaged engine finds the natives in the NuGet cache, and
            // llama.cpp's per-tensor log stays off the terminal.
            LlamaNative.EnsureLoaded();
            var catalog = VariantCatalog.Load(result.GetValue(variants)!.FullName);
            var request = new VariantRequest
            {
                Target = result.GetValue(target),
                Device = result.GetValue(device),
                MemoryCapBytes = ParseMemory(result.GetValue(memory)),
                ContextLength = result.GetValue(context) ?? DefaultContext(catalog),
            };
            var choice = VariantSelector.Choose(catalog, request);
            using var model = await LopModel.LoadAsync(choice, cancellationToken: cancellation);
            var reason = model.Failures.Count == 0 ? choice.Reason.Words : $"{choice.Reason.Words}; {model.Report}";
            var options = new GenerationOptions { MaxTokens = result.GetValue(maxTokens) };
            var text = result.GetValue(prompt)!;
            var stream = result.GetValue(image) is { } picture
                ? model.Generate(picture.FullName, text, options)
                : model.Generate(text, options);

            var asJson = result.GetValue(json);
            if (!asJson)
            {
                Console.WriteLine($"variant {reason}");
                if (!model.HasChatTemplate && result.GetValue(image) is null)
                {
                    // Plain completion continues the prompt's own text: show it, so the output reads as one.
                    Console.Write(text);
                }
            }
            var generated = new StringBuilder();
            await foreach (var piece in stream.WithCancellation(cancellation))
            {
                generated.Append(piece);
                if (!asJson)
                {
                    Console.Write(piece);
                }
            }
            var stats = stream.Stats!;
            if (asJson)
            {
                JsonOutput.Write(new GenerateReport(model.Variant.Name, reason, generated.ToString(), stats.PromptTokensPerSecond, stats.GenerationTokensPerSecond));
            }
            else
            {
                Console.WriteLine();
                Console.WriteLine(stats);
            }
            return 0;
        });
        return command;
    }

    private static long? ParseMemory(string? text) =>
        text is null ? null
        : Quantities.TryParseSize(text, out var bytes) && bytes > 0 ? bytes
        : throw new LopException(ErrorCodes.InvalidArgument, $"--memory '{text}' is not {Quantities.SizeHelp}");

    /// <summary>
    /// Past its trained context a model produces noise, and a longer KV cache only costs memory: default to what
    /// the variants were trained for (all variants of one model share it), capped at the runtime's usual length.
    /// </summary>
    private static int DefaultContext(VariantCatalog catalog)
    {
        var trained = catalog.Variants.Select(v => v.Gguf.ContextLength).Where(c => c > 0).DefaultIfEmpty(VariantRequest.DefaultContextLength).Min();
        return Math.Min(trained, VariantRequest.DefaultContextLength);
    }
}
