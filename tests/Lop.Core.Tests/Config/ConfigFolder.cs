using Lop.Core.Config;

namespace Lop.Core.Tests.Config;

/// <summary>A temp folder with what lop.yaml points at: sample/model/config.json (the tiny LLaMA) and sample/calibration.txt.</summary>
internal sealed class ConfigFolder : IDisposable
{
    // hidden 32, 3 layers x 48 FFN neurons, 4 heads, 2 KV heads, vocab 61, f32: 13,344 fixed parameters + 96 per neuron.
    public const string ModelJson = """
        {"architectures": ["LlamaForCausalLM"], "hidden_size": 32, "num_hidden_layers": 3, "intermediate_size": 48,
         "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 61, "torch_dtype": "float32"}
        """;

    private readonly TempFolder _temp = new();

    public ConfigFolder()
    {
        Directory.CreateDirectory(System.IO.Path.Combine(_temp.Path, "sample", "model"));
        File.WriteAllText(System.IO.Path.Combine(_temp.Path, "sample", "model", "config.json"), ModelJson);
        File.WriteAllText(System.IO.Path.Combine(_temp.Path, "sample", "calibration.txt"), "hello world\n");
    }

    public string Path => _temp.Path;

    public string Yaml => System.IO.Path.Combine(_temp.Path, "lop.yaml");

    public LopConfig Load(string yaml)
    {
        File.WriteAllText(Yaml, yaml);
        return LopConfig.Load(Yaml);
    }

    /// <summary>The rendered errors of a file that must not load.</summary>
    public string[] Errors(string yaml)
    {
        File.WriteAllText(Yaml, yaml);
        var e = Assert.Throws<LopConfigException>(() => LopConfig.Load(Yaml));
        Assert.Equal(e.Message, string.Join("\n", e.Errors.Select(x => x.Render())));
        return e.Errors.Select(x => x.Render()).ToArray();
    }

    /// <summary>The one error of a file with exactly one mistake.</summary>
    public string Error(string yaml) => Assert.Single(Errors(yaml));

    public void Dispose() => _temp.Dispose();
}
