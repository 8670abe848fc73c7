using Lop.Core.Errors;
using Lop.Core.Jobs;
using Lop.Core.Progress;

namespace Lop.Core.Tests.Gguf;

/// <summary>Bad input to an export: a coded error naming the culprit, and nothing written.</summary>
public sealed class GgufExportErrorTests
{
    private static string Model(TempFolder folder) =>
        TestCheckpoints.Save(TinyModels.Random(TinyModels.Config(vocab: 256, hidden: 32, heads: 4, kvHeads: 2)), folder.Sub("model"));

    private static string[] Entries(string folder) => Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void An_unknown_type_is_refused_listing_the_types_before_anything_is_written()
    {
        using var folder = new TempFolder();
        var model = Model(folder);
        var error = Assert.Throws<LopException>(() => ExportJob.Run(new ExportRequest(model, folder.Sub("out.gguf"), "q3_k"), SilentProgress.Instance));
        Assert.Equal(ErrorCodes.ExportTypeUnknown, error.Code);
        Assert.Contains("f32, f16, bf16, q8_0, q4_k_m", error.Message);
        Assert.Equal(["model"], Entries(folder.Path));
    }

    [Fact]
    public void An_unwritable_output_is_a_coded_error_naming_it()
    {
        using var folder = new TempFolder();
        var model = Model(folder);
        var blocked = folder.Sub("blocked");
        File.WriteAllText(blocked, "a file where a folder should be");
        var output = Path.Combine(blocked, "out.gguf");
        var error = Assert.Throws<LopException>(() => ExportJob.Run(new ExportRequest(model, output, "f16"), SilentProgress.Instance));
        Assert.Equal(ErrorCodes.OutputNotWritable, error.Code);
        Assert.Equal(output, error.File);
        Assert.Equal(["blocked", "model"], Entries(folder.Path));
    }

    [Fact]
    public void A_model_whose_tokenizer_cannot_be_written_is_refused_and_no_file_is_left()
    {
        using var folder = new TempFolder();
        var model = Model(folder);
        File.Delete(Path.Combine(model, "tokenizer_config.json"));
        var error = Assert.Throws<LopException>(() => ExportJob.Run(new ExportRequest(model, folder.Sub("out.gguf"), "f16"), SilentProgress.Instance));
        Assert.Equal(ErrorCodes.TokenizerNotExportable, error.Code);
        Assert.Equal(["model"], Entries(folder.Path));
    }

    [Fact]
    public void A_model_with_ffn_biases_is_refused_rather_than_exported_without_them()
    {
        using var folder = new TempFolder();
        var model = TestCheckpoints.Save(TinyModels.Random(TinyModels.Config(vocab: 256, hidden: 32, heads: 4, kvHeads: 2, mlpBias: true)), folder.Sub("model"));
        var error = Assert.Throws<LopException>(() => ExportJob.Run(new ExportRequest(model, folder.Sub("out.gguf"), "f16"), SilentProgress.Instance));
        Assert.Equal(ErrorCodes.ArchitectureNotExportable, error.Code);
        Assert.Contains("mlp_bias", error.Message);
        Assert.Equal(["model"], Entries(folder.Path));
    }

    [Fact]
    public void A_cancelled_export_leaves_no_file()
    {
        using var folder = new TempFolder();
        var model = Model(folder);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => ExportJob.Run(new ExportRequest(model, folder.Sub("out.gguf"), "f16"), SilentProgress.Instance, cancelled.Token));
        Assert.Equal(["model"], Entries(folder.Path));
    }
}
