using Lop.Core.Config;
using static Lop.Core.Tests.Config.SchemaDocument;

namespace Lop.Core.Tests.Config;

/// <summary>The committed schema file, the files that point at it, and what it accepts and refuses beside the reader.</summary>
public sealed class LopConfigSchemaTests : IDisposable
{
    private const string CommittedSchema = "src/Lop.Core/Config/lop.schema.json";

    private const string Smallest = """
        model: sample/model
        calibration: sample/calibration.txt
        targets:
          - name: half
            ratio: 0.5
        """;

    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_committed_schema_is_the_one_the_key_table_writes()
    {
        var file = Path.Combine(RepoFolder.Root, CommittedSchema);
        var committed = File.Exists(file) ? File.ReadAllText(file).ReplaceLineEndings("\n") : "";

        Assert.True(committed == LopConfigSchema.Text,
            $"{CommittedSchema} differs from the schema the reader's key table writes; regenerate it with: dotnet run --project src/Lop.Cli -- schema --out {CommittedSchema}");
    }

    [Fact]
    public void The_samples_and_the_init_template_satisfy_the_schema()
    {
        var files = Samples()
            .Select(f => (Name: Path.GetRelativePath(RepoFolder.Root, f), Text: File.ReadAllText(f)))
            .Append((Name: "the init template", Text: LopConfigTemplate.Text))
            .ToList();
        Assert.True(files.Count >= 3, string.Join(", ", files.Select(f => f.Name)));

        Assert.All(files, file => Assert.True(Valid(file.Text, out var errors), $"{file.Name}: {errors}"));
    }

    [Fact]
    public void The_samples_and_the_init_template_point_editors_at_the_schema()
    {
        Assert.All(Samples(), sample =>
        {
            var relative = Path.GetRelativePath(Path.GetDirectoryName(sample)!, Path.Combine(RepoFolder.Root, CommittedSchema)).Replace('\\', '/');
            Assert.Equal(LopConfigSchema.Modeline(relative), File.ReadLines(sample).First());
        });
        Assert.StartsWith(LopConfigSchema.Modeline(LopConfigSchema.FileName) + "\n", LopConfigTemplate.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("targets:\n  - name: a\n    maxMemory: 800 mib")]
    [InlineData("targets:\n  - name: a\n    maxWeightBytes: 1073741824")]
    [InlineData("targets:\n  - name: a\n    device: pixel-8\n    maxMemory: 6GB\n    contextLength: 512")]
    [InlineData("formats: gguf\ntargets:\n  - name: a\n    maxParams: 2.5M\n    quantization: q8_0\n    granularity: 16")]
    [InlineData("calibration:\n  path: sample/calibration.txt\n  maxSequences: null\n  heldOut: 0.5\noutput: out\ncache: null")]
    [InlineData("search:\n  budgets: [0, 0.5]\n  imageGapWeight: 0\npredictor:\n  architecture: mlp\ndtype: checkpoint")]
    public void The_schema_accepts_what_the_reader_reads(string change)
    {
        var file = Merged(change);

        _folder.Load(file);
        Assert.True(Valid(file, out var errors), errors);
    }

    [Theory]
    [InlineData("frobnicate: 1")]
    [InlineData("dtype: f64")]
    [InlineData("search:\n  maxPruneRatio: 1")]
    [InlineData("search:\n  budgets: []")]
    [InlineData("calibration: {heldOut: 0.5}")]
    [InlineData("calibration: {path: sample/calibration.txt, maxSequences: 1}")]
    [InlineData("predictor: {architecture: lstm}")]
    [InlineData("formats: [onnx]")]
    [InlineData("targets: []")]
    [InlineData("targets:\n  - ratio: 0.5")]
    [InlineData("targets:\n  - name: a b\n    ratio: 0.5")]
    [InlineData("targets:\n  - name: a\n    device: toaster")]
    [InlineData("targets:\n  - name: a\n    maxWeightBytes: 1.5 GX")]
    [InlineData("targets:\n  - name: a\n    maxParams: 1.5")]
    [InlineData("targets:\n  - name: a\n    maxParams: 0")]
    [InlineData("targets:\n  - name: a\n    quantization: q3_k")]
    [InlineData("targets:\n  - name: a\n    maxParam: 2M")]
    public void The_schema_refuses_what_the_reader_refuses_for_its_shape(string change)
    {
        var file = Merged(change);

        Assert.NotEmpty(_folder.Errors(file));
        Assert.False(Valid(file, out _), file);
    }

    private static string[] Samples() =>
        Directory.GetFiles(Path.Combine(RepoFolder.Root, "samples"), "lop.yaml", SearchOption.AllDirectories);

    /// <summary>The smallest file with <paramref name="change"/>'s top-level keys put in, as JSON (which is YAML too).</summary>
    private static string Merged(string change)
    {
        var top = YamlJson.Parse(Smallest)!.AsObject();
        foreach (var (key, value) in YamlJson.Parse(change)!.AsObject())
        {
            top[key] = value?.DeepClone();
        }
        return top.ToJsonString();
    }
}
