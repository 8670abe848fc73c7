using System.Text.Json;
using Lop.Core.Gguf;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>lop.yaml with formats: [safetensors, gguf]: each variant ships a GGUF sized in its own quantization.</summary>
public sealed class GgufVariantsTests : IDisposable
{
    private const long Limit = 450_000;
    private readonly TempFolder _temp = new();

    public GgufVariantsTests()
    {
        var config = TinyModels.Config(layers: 4, hidden: 64, heads: 4, kvHeads: 2, intermediate: 512, vocab: 256);
        TestCheckpoints.Save(TinyModels.Random(config), _temp.Sub("model"));
        File.WriteAllText(_temp.Sub("calibration.txt"), string.Concat(Enumerable.Range(0, 80).Select(i => $"Line {i}: the quick brown fox jumps over the lazy dog. ")));
        File.WriteAllText(_temp.Sub("lop.yaml"), $"""
            model: model
            calibration:
              path: calibration.txt
              sequenceLength: 32
            search:
              budgets: [0.3, 0.6]
              simulations: 8
              rewardSequences: 4
            predictor:
              epochs: 10
              top: 4
            formats: [safetensors, gguf]
            cache: cache
            targets:
              - name: desktop
                maxWeightBytes: {Limit}
                quantization: f16
              - name: phone
                maxWeightBytes: {Limit}
                quantization: q8_0
            """);
    }

    public void Dispose() => _temp.Dispose();

    private List<JsonElement> Variants()
    {
        var result = CliRunner.Run("variants", "--config", _temp.Sub("lop.yaml"), "--json");
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement.GetProperty("variants").EnumerateArray().ToList();
    }

    private static JsonElement Manifest(JsonElement variant) =>
        JsonDocument.Parse(File.ReadAllText(variant.GetProperty("manifest").GetString()!)).RootElement;

    [Fact]
    public void A_q8_0_target_keeps_more_neurons_than_an_f16_one_under_the_same_limit_in_whole_blocks_and_ships_a_gguf_llama_cpp_reads()
    {
        var variants = Variants();
        var (desktop, phone) = (Manifest(variants[0]), Manifest(variants[1]));
        var desktopKept = desktop.GetProperty("keptPerLayer").EnumerateArray().Sum(k => k.GetInt32());
        var phoneKept = phone.GetProperty("keptPerLayer").EnumerateArray().Select(k => k.GetInt32()).ToList();
        Assert.True(phoneKept.Sum() > desktopKept, $"q8_0 keeps {phoneKept.Sum()}, f16 {desktopKept}");
        Assert.All(phoneKept, k => Assert.Equal(0, k % 32));
        Assert.Equal(32, phone.GetProperty("granularity").GetInt32());

        foreach (var (manifest, variant, type) in new[] { (desktop, variants[0], GgmlType.F16), (phone, variants[1], GgmlType.Q8_0) })
        {
            var gguf = manifest.GetProperty("gguf");
            var path = Path.Combine(Path.GetDirectoryName(variant.GetProperty("manifest").GetString())!, gguf.GetProperty("file").GetString()!);
            var file = GgufFile.Read(path);
            Assert.Equal(new FileInfo(path).Length, gguf.GetProperty("bytes").GetInt64());
            Assert.Equal(file.Architecture, gguf.GetProperty("architecture").GetString());
            Assert.Equal(type, file.Tensor("blk.0.ffn_gate.weight").Type);
            // The weights (tensor data) meet the limit the target was solved against.
            Assert.True(file.Length - file.DataOffset <= Limit, $"{file.Length - file.DataOffset} bytes of tensors");
            Assert.Contains("model.gguf", manifest.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        }
    }

    [Fact]
    public void A_variant_whose_gguf_went_missing_is_rebuilt_and_an_unchanged_one_is_left_alone()
    {
        var first = Variants();
        File.Delete(Path.Combine(Path.GetDirectoryName(first[1].GetProperty("manifest").GetString())!, "model.gguf"));
        var second = Variants();
        Assert.True(second[0].GetProperty("upToDate").GetBoolean());
        Assert.False(second[1].GetProperty("upToDate").GetBoolean());
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(second[1].GetProperty("manifest").GetString())!, "model.gguf")));
    }
}
