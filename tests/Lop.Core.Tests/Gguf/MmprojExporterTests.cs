using Lop.Core.Errors;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Models;

namespace Lop.Core.Tests.Gguf;

/// <summary>What an mmproj file holds, and the configurations refused before anything is written.</summary>
public class MmprojExporterTests
{
    [Fact]
    public void The_file_holds_only_the_layers_llava_runs_with_matrices_in_the_chosen_type_and_the_rest_in_f32()
    {
        using var temp = new TempFolder();
        var config = TinyLlava.Config(); // 2 layers, features of hidden state 1
        using var model = TinyLlava.Random(config);
        var folder = TinyLlava.Save(model, temp.Sub("llava"));
        var path = temp.Sub("mmproj.gguf");
        using (var checkpoint = HfCheckpoint.Open(folder))
        {
            var length = MmprojExporter.Export(checkpoint, path, GgmlType.F16, CancellationToken.None);
            Assert.Equal(new FileInfo(path).Length, length);
        }

        var file = GgufFile.Read(path);
        Assert.Equal("clip", file.Architecture);
        Assert.Equal("mlp", file.Metadata.GetString("clip.projector_type"));
        Assert.Equal(1, file.Metadata["clip.vision.block_count"].AsInt64());
        Assert.Equal([1], (int[])file.Metadata["clip.vision.feature_layer"].Value);
        Assert.Equal(config.HiddenSize, file.Metadata["clip.vision.projection_dim"].AsInt64());
        Assert.False(file.Metadata.TryGet("clip.use_gelu", out _)); // CLIP's quick_gelu is mtmd's default
        Assert.DoesNotContain(file.Tensors, t => t.Name.StartsWith("v.blk.1.", StringComparison.Ordinal) || t.Name.StartsWith("v.post_ln", StringComparison.Ordinal));
        Assert.Equal([8L, 8, 3, 16], file.Tensor("v.patch_embd.weight").Dimensions);
        Assert.Equal([16L, config.HiddenSize], file.Tensor("mm.0.weight").Dimensions);
        Assert.Equal([16L, 5], file.Tensor("v.position_embd.weight").Dimensions);
        Assert.All(file.Tensors, t => Assert.Equal(
            t.Name.EndsWith(".weight", StringComparison.Ordinal) && t.Dimensions.Length > 1 && !t.Name.Contains("position", StringComparison.Ordinal) ? GgmlType.F16 : GgmlType.F32,
            t.Type));
    }

    [Fact]
    public void A_projector_without_biases_gets_zero_biases_because_mtmd_always_adds_them()
    {
        using var temp = new TempFolder();
        var config = TinyLlava.Config();
        config = config with { Multimodal = config.Multimodal! with { ProjectorBias = false } };
        using var model = TinyLlava.Random(config);
        var folder = TinyLlava.Save(model, temp.Sub("llava"));
        var path = temp.Sub("mmproj.gguf");
        using (var checkpoint = HfCheckpoint.Open(folder))
        {
            MmprojExporter.Export(checkpoint, path, GgmlType.F32, CancellationToken.None);
        }

        var file = GgufFile.Read(path);
        var bias = file.Tensor("mm.2.bias");
        Assert.Equal([(long)config.HiddenSize], bias.Dimensions);
        using var stream = File.OpenRead(path);
        stream.Position = file.DataOffset + bias.Offset;
        var bytes = new byte[bias.ByteLength];
        stream.ReadExactly(bytes);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData("full strategy")]
    [InlineData("relu projector")]
    [InlineData("embeddings as features")]
    public void An_llava_that_llama_cpp_cannot_reproduce_is_refused_before_a_file_is_written(string what)
    {
        var config = what switch
        {
            "full strategy" => TinyLlava.Config(strategy: "full"),
            "embeddings as features" => TinyLlava.Config(featureLayer: 0),
            _ => TinyLlava.Config(),
        };
        if (what == "relu projector")
        {
            config = config with { Multimodal = config.Multimodal! with { ProjectorHiddenAct = "relu" } };
        }
        using var temp = new TempFolder();
        using var model = TinyLlava.Random(config);
        var folder = TinyLlava.Save(model, temp.Sub("llava"));

        var error = ExportFails(folder, temp.Sub("out"), GgmlType.F32);
        Assert.Equal(ErrorCodes.ArchitectureNotExportable, error.Code);
        Assert.Contains(what switch { "full strategy" => "class token", "relu projector" => "GELU", _ => "embeddings" }, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Qwen2_vl_is_refused_with_the_reason()
    {
        using var temp = new TempFolder();
        using var model = TinyQwenVl.Random(TinyQwenVl.Config(windowed: false));
        var folder = TinyQwenVl.Save(model, temp.Sub("qwen"));

        var error = ExportFails(folder, temp.Sub("out"), GgmlType.F16);
        Assert.Equal(ErrorCodes.ArchitectureNotExportable, error.Code);
        Assert.Contains("Qwen2-VL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quantized_weight_type_is_refused()
    {
        using var temp = new TempFolder();
        using var model = TinyLlava.Random(TinyLlava.Config());
        var folder = TinyLlava.Save(model, temp.Sub("llava"));

        var error = ExportFails(folder, temp.Sub("out"), GgmlType.Q8_0);
        Assert.Equal(ErrorCodes.ExportTypeUnknown, error.Code);
    }

    [Fact]
    public void A_cancelled_export_leaves_no_file()
    {
        using var temp = new TempFolder();
        using var model = TinyLlava.Random(TinyLlava.Config());
        var folder = TinyLlava.Save(model, temp.Sub("llava"));
        var output = temp.Sub("out");
        Directory.CreateDirectory(output);
        using var checkpoint = HfCheckpoint.Open(folder);

        Assert.Throws<OperationCanceledException>(() => MmprojExporter.Export(checkpoint, Path.Combine(output, "mmproj.gguf"), GgmlType.F32, new CancellationToken(canceled: true)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }

    /// <summary>Exports into an empty folder, expecting a coded error and the folder still empty.</summary>
    private static LopException ExportFails(string folder, string output, GgmlType type)
    {
        Directory.CreateDirectory(output);
        using var checkpoint = HfCheckpoint.Open(folder);
        var error = Assert.Throws<LopException>(() => MmprojExporter.Export(checkpoint, Path.Combine(output, "mmproj.gguf"), type, CancellationToken.None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
        return error;
    }
}
