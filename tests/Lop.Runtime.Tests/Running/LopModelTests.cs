using Lop.Runtime.Errors;
using Lop.Runtime.Memory;
using Lop.Runtime.Running;
using Lop.Runtime.Tests.Variants;
using Lop.Runtime.Variants;

namespace Lop.Runtime.Tests.Running;

public sealed class LopModelTests(TinyModelFiles models) : IClassFixture<TinyModelFiles>
{
    private const int Context = 256;
    private static readonly MemoryBudget Plenty = MemoryBudget.Of(1L << 40, MemorySource.ConfiguredCap);

    private static VariantChoice Choose(TempFolder root) =>
        VariantSelector.Choose(VariantCatalog.Load(root.Path), new VariantRequest { ContextLength = Context }, Plenty);

    [Fact]
    public async Task Greedy_generation_streams_exactly_the_asked_tokens_and_the_same_text_twice()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "tiny", 2_000_000, modelFile: models.Plain);
        using var model = await LopModel.LoadAsync(Choose(root));
        var options = new GenerationOptions { MaxTokens = 12 };

        var first = model.Generate("Hello", options);
        var pieces = new List<string>();
        await foreach (var piece in first)
        {
            pieces.Add(piece);
        }
        var second = model.Generate("Hello", options);
        var again = await second.ReadAllAsync();

        Assert.Equal(12, first.Stats!.GeneratedTokens);
        Assert.False(first.Stats.StoppedAtEndOfGeneration);
        Assert.NotEmpty(pieces);
        Assert.Equal(string.Concat(pieces), again);
        Assert.Equal(first.Stats.PromptTokens, second.Stats!.PromptTokens);
        Assert.Equal(("tiny", "tiny loaded"), (model.Variant.Name, model.Report));
    }

    [Fact]
    public async Task Another_prompt_gives_another_text()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "tiny", 2_000_000, modelFile: models.Plain);
        using var model = await LopModel.LoadAsync(Choose(root));
        var options = new GenerationOptions { MaxTokens = 12 };

        Assert.NotEqual(
            await model.Generate("Hello", options).ReadAllAsync(),
            await model.Generate("Something else entirely", options).ReadAllAsync());
    }

    [Fact]
    public async Task A_truncated_gguf_falls_back_to_the_next_variant_and_the_model_says_so()
    {
        using var root = new TempFolder();
        var damaged = FakeVariants.Write(root, "large", 3_000_000, modelFile: models.Plain);
        var damagedFile = Path.Combine(damaged, "model.gguf");
        using (var stream = File.OpenWrite(damagedFile))
        {
            stream.SetLength(stream.Length / 2);
        }
        FakeVariants.Write(root, "small", 2_000_000, modelFile: models.Plain);
        var choice = Choose(root);
        Assert.Equal("large", choice.Chosen.Name);

        using var model = await LopModel.LoadAsync(choice);

        Assert.Equal("small", model.Variant.Name);
        var failure = Assert.Single(model.Failures);
        Assert.Equal(("large", damagedFile), (failure.Variant.Name, failure.File));
        Assert.StartsWith($"large failed ({damagedFile}: ", model.Report, StringComparison.Ordinal);
        Assert.EndsWith("; loaded small, fallback 1 of 1", model.Report, StringComparison.Ordinal);
        var run = model.Generate("Hi", new GenerationOptions { MaxTokens = 4 });
        await run.ReadAllAsync();
        Assert.Equal(4, run.Stats!.GeneratedTokens);
    }

    [Fact]
    public async Task When_every_variant_fails_to_load_the_error_lists_each_failure()
    {
        using var root = new TempFolder();
        var first = FakeVariants.Write(root, "large", 3_000_000);
        var second = FakeVariants.Write(root, "small", 2_000_000);

        var error = await Assert.ThrowsAsync<LopRuntimeException>(() => LopModel.LoadAsync(Choose(root)));

        Assert.Equal((RuntimeErrorCodes.AllVariantsFailed, root.Path), (error.Code, error.File));
        Assert.Contains(Path.Combine(first, "model.gguf"), error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(second, "model.gguf"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loading_with_a_cancelled_token_throws_operation_canceled()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "tiny", 2_000_000, modelFile: models.Plain);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LopModel.LoadAsync(Choose(root), cancellationToken: cancelled.Token));
    }

    [Fact]
    public async Task A_caller_that_stops_reading_early_still_gets_the_stats_of_what_was_generated()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "tiny", 2_000_000, modelFile: models.Plain);
        using var model = await LopModel.LoadAsync(Choose(root));
        var stream = model.Generate("Hello", new GenerationOptions { MaxTokens = 50 });
        var pieces = 0;

        await foreach (var _ in stream)
        {
            if (++pieces == 3)
            {
                break;
            }
        }

        // A token may produce no text (half of a UTF-8 character), so 3 pieces are at least 3 tokens; far fewer
        // than the 50 a generation that ran on would report.
        Assert.InRange(stream.Stats!.GeneratedTokens, 3, 10);
        Assert.False(stream.Stats.StoppedAtEndOfGeneration);
        Assert.True(stream.Stats.GenerationTokensPerSecond > 0);
    }

    [Fact]
    public async Task Cancelling_while_streaming_stops_the_generation_with_operation_canceled()
    {
        using var root = new TempFolder();
        FakeVariants.Write(root, "tiny", 2_000_000, modelFile: models.Plain);
        using var model = await LopModel.LoadAsync(Choose(root));
        using var cancellation = new CancellationTokenSource();
        var stream = model.Generate("Hello", new GenerationOptions { MaxTokens = 200 });
        var pieces = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in stream.WithCancellation(cancellation.Token))
            {
                if (++pieces == 3)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal(3, pieces);
        Assert.Null(stream.Stats);
    }

    [Fact]
    public async Task A_gguf_with_a_chat_template_wraps_the_prompt_in_it_and_one_without_completes_plain_text()
    {
        using var plainRoot = new TempFolder();
        FakeVariants.Write(plainRoot, "plain", 2_000_000, modelFile: models.Plain);
        using var chatRoot = new TempFolder();
        FakeVariants.Write(chatRoot, "chat", 2_000_000, modelFile: models.Chat);
        using var plain = await LopModel.LoadAsync(Choose(plainRoot));
        using var chat = await LopModel.LoadAsync(Choose(chatRoot));
        var options = new GenerationOptions { MaxTokens = 2 };

        var plainRun = plain.Generate("Hello", options);
        await plainRun.ReadAllAsync();
        var chatRun = chat.Generate("Hello", options);
        await chatRun.ReadAllAsync();

        Assert.Equal((false, false), (plain.HasChatTemplate, plainRun.Stats!.UsedChatTemplate));
        Assert.Equal((true, true), (chat.HasChatTemplate, chatRun.Stats!.UsedChatTemplate));
        // "<|im_start|>user\n" ... "<|im_end|>\n<|im_start|>assistant\n" are bytes to this vocabulary: dozens more tokens.
        Assert.True(chatRun.Stats.PromptTokens > plainRun.Stats.PromptTokens + 30, $"{chatRun.Stats.PromptTokens} vs {plainRun.Stats.PromptTokens}");
    }

    [Fact]
    public async Task An_image_prompt_to_a_text_only_variant_is_an_error_naming_its_model()
    {
        using var root = new TempFolder();
        var folder = FakeVariants.Write(root, "tiny", 2_000_000, modelFile: models.Plain);
        using var model = await LopModel.LoadAsync(Choose(root));

        var error = Assert.Throws<LopRuntimeException>(() => model.Generate("cat.png", "What is this?"));

        Assert.Equal((RuntimeErrorCodes.NoVisionProjector, Path.Combine(folder, "model.gguf")), (error.Code, error.File));
    }
}
