using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Lop.Core.Config;

namespace Lop.Core.Tests.Config;

public sealed partial class LopConfigSchemaTests : IDisposable
{
    private const string CommittedSchema = "schemas/lop.schema.json";

    /// <summary>A key no lop.yaml key is near, so the reader lists its keys instead of suggesting one.</summary>
    private const string Sentinel = "qqqqqqqqqqqq";

    private static readonly JsonObject SchemaJson = (JsonObject)JsonNode.Parse(LopConfigSchema.Text)!;

    private static readonly JsonSchema Schema = JsonSchema.FromText(LopConfigSchema.Text);

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
    public void Every_key_in_the_schema_is_accepted_by_the_reader()
    {
        var paths = KeyPaths(SchemaJson, []).ToList();
        Assert.Contains(paths, p => p.SequenceEqual(["targets", "device"]));

        Assert.All(paths, path =>
        {
            var (yaml, where) = FileUsing(path);
            var unknown = _folder.Errors(yaml).Where(e => e.Contains("error LOP1002", StringComparison.Ordinal)).ToList();

            // The sentinel beside the key is refused, so the section was checked; the key itself is not.
            Assert.True(unknown.Count == 1 && unknown[0].Contains($"unknown key '{Sentinel}' in {where}", StringComparison.Ordinal),
                $"{string.Join(".", path)}:\n{yaml}\n{string.Join("\n", unknown)}");
        });
    }

    [Fact]
    public void Every_key_the_reader_accepts_is_in_the_schema()
    {
        var root = ReaderKeysOrNull(Smallest + $"\n{Sentinel}: 1\n", ["lop.yaml"]) ?? throw new InvalidOperationException("the reader listed no top-level keys");
        Assert.Equal(PropertyNames(SchemaJson), root);

        // Whichever key the reader reads as a mapping (search: {...}) or a list of them (targets: [{...}]) lists its own keys.
        var sections = new List<string>();
        foreach (var key in root)
        {
            foreach (var value in new[] { $"{{{Sentinel}: 1}}", $"[{{{Sentinel}: 1}}]" })
            {
                if (ReaderKeysOrNull(WithTop(key, value), [key, key + "[0]"]) is { } keys)
                {
                    sections.Add(key);
                    Assert.True(PropertyNames(MappingOf((JsonObject)Properties(SchemaJson)[key]!)).SequenceEqual(keys), $"{key}: the reader accepts {string.Join(", ", keys)}");
                }
            }
        }
        Assert.Equal(Properties(SchemaJson).Where(p => MappingOrNull((JsonObject)p.Value!) is not null).Select(p => p.Key), sections);
    }

    [Fact]
    public void The_samples_and_the_init_template_satisfy_the_schema()
    {
        var files = Directory.GetFiles(Path.Combine(RepoFolder.Root, "samples"), "lop.yaml", SearchOption.AllDirectories)
            .Select(f => (Name: Path.GetRelativePath(RepoFolder.Root, f), Text: File.ReadAllText(f)))
            .Append((Name: "the init template", Text: LopConfigTemplate.Text))
            .ToList();
        Assert.True(files.Count >= 3, string.Join(", ", files.Select(f => f.Name)));

        Assert.All(files, file => Assert.True(Valid(file.Text, out var errors), $"{file.Name}: {errors}"));
    }

    [Fact]
    public void The_samples_point_editors_at_the_committed_schema()
    {
        var samples = Directory.GetFiles(Path.Combine(RepoFolder.Root, "samples"), "lop.yaml", SearchOption.AllDirectories);

        Assert.All(samples, sample =>
        {
            var first = File.ReadLines(sample).First();
            var relative = Path.GetRelativePath(Path.GetDirectoryName(sample)!, Path.Combine(RepoFolder.Root, CommittedSchema)).Replace('\\', '/');
            Assert.Equal(LopConfigSchema.Modeline(relative), first);
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

    private const string Smallest = """
        model: sample/model
        calibration: sample/calibration.txt
        targets:
          - name: half
            ratio: 0.5
        """;

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

    /// <summary>Every key path of the schema: top-level keys, and the keys of each mapping (or list of mappings) below one.</summary>
    private static IEnumerable<string[]> KeyPaths(JsonObject schema, string[] prefix)
    {
        foreach (var (name, child) in Properties(schema))
        {
            string[] path = [.. prefix, name];
            yield return path;
            if (MappingOrNull((JsonObject)child!) is { } mapping)
            {
                foreach (var below in KeyPaths(mapping, path))
                {
                    yield return below;
                }
            }
        }
    }

    private static JsonObject Properties(JsonObject schema) => schema["properties"]?.AsObject() ?? [];

    private static string[] PropertyNames(JsonObject schema) => Properties(schema).Select(p => p.Key).ToArray();

    private static JsonObject MappingOf(JsonObject schema) => MappingOrNull(schema) ?? throw new InvalidOperationException("no mapping in " + schema);

    /// <summary>The object schema a key holds: itself, one of its anyOf (the short form's alternative), or its items.</summary>
    private static JsonObject? MappingOrNull(JsonObject schema)
    {
        if (schema["properties"] is not null)
        {
            return schema;
        }
        if (schema["items"] is JsonObject items && items["properties"] is not null)
        {
            return items;
        }
        return schema["anyOf"]?.AsArray().OfType<JsonObject>().FirstOrDefault(s => s["properties"] is not null);
    }

    /// <summary>A file that sets the key at <paramref name="path"/> to its example, with the sentinel key beside it.</summary>
    private static (string Yaml, string Where) FileUsing(string[] path)
    {
        var key = KeyAt(path);
        var top = new Dictionary<string, string>
        {
            ["model"] = "sample/model",
            ["calibration"] = "sample/calibration.txt",
            ["targets"] = "[{name: half, ratio: 0.5}]",
        };
        if (path.Length == 1)
        {
            top[path[0]] = key.Example;
            return (Yaml(top) + $"{Sentinel}: 1\n", "lop.yaml");
        }
        var section = path[0];
        var fields = new Dictionary<string, string>();
        if (section == "calibration")
        {
            fields["path"] = "sample/calibration.txt";
        }
        if (section == "targets")
        {
            fields["name"] = "half";
            fields["ratio"] = "0.5";
        }
        fields[path[1]] = key.Example;
        fields[Sentinel] = "1";
        var mapping = "{" + string.Join(", ", fields.Select(f => $"{f.Key}: {f.Value}")) + "}";
        top[section] = section == "targets" ? $"[{mapping}]" : mapping;
        var where = section == "targets" ? $"target '{(path[1] == "name" ? key.Example : "half")}'" : section;
        return (Yaml(top), where);
    }

    private static ConfigKey KeyAt(string[] path)
    {
        var key = LopYamlKeys.Root;
        foreach (var name in path)
        {
            key = key.Keys.SingleOrDefault(k => k.Name == name) ?? throw new InvalidOperationException($"{string.Join(".", path)} is in the schema but not in the key table");
        }
        return key;
    }

    private static string Yaml(Dictionary<string, string> top) => string.Concat(top.Select(t => $"{t.Key}: {t.Value}\n"));

    private static string WithTop(string key, string value)
    {
        var top = new Dictionary<string, string>
        {
            ["model"] = "sample/model",
            ["calibration"] = "sample/calibration.txt",
            ["targets"] = "[{name: half, ratio: 0.5}]",
        };
        top[key] = value;
        return Yaml(top);
    }

    /// <summary>The keys the reader says it accepts in <paramref name="where"/>, from its message about the sentinel key.</summary>
    private string[]? ReaderKeysOrNull(string yaml, string[] where)
    {
        foreach (var error in _folder.Errors(yaml))
        {
            var match = KeyList().Match(error);
            if (match.Success && where.Contains(match.Groups["where"].Value))
            {
                return match.Groups["keys"].Value.Split(", ");
            }
        }
        return null;
    }

    private static bool Valid(string yaml, out string errors)
    {
        var result = Schema.Evaluate(YamlJson.Parse(yaml), new EvaluationOptions { OutputFormat = OutputFormat.List });
        errors = string.Join("\n", result.Details
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
        return result.IsValid;
    }

    [GeneratedRegex($"unknown key '{Sentinel}' in (?<where>.+?); the keys are (?<keys>.+)\\.$")]
    private static partial Regex KeyList();
}
