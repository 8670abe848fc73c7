using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lop.Core.Config;
using static Lop.Core.Tests.Config.SchemaDocument;

namespace Lop.Core.Tests.Config;

/// <summary>
/// The schema and the reader know the same keys, checked from both sides through the reader's behaviour: each
/// schema key is fed to the reader, and the keys the reader lists when it refuses an unknown one are compared
/// with the schema's.
/// </summary>
public sealed partial class SchemaKeysTests : IDisposable
{
    /// <summary>A key no lop.yaml key is near, so the reader lists its keys instead of suggesting one.</summary>
    private const string Sentinel = "qqqqqqqqqqqq";

    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_key_in_the_schema_is_accepted_by_the_reader()
    {
        var paths = KeyPaths(Root, []).ToList();
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
        var root = ReaderKeys(Top() + $"{Sentinel}: 1\n", ["lop.yaml"]) ?? throw new InvalidOperationException("the reader listed no top-level keys");
        Assert.Equal(PropertyNames(Root), root);

        // Whichever key the reader reads as a mapping (search: {...}) or a list of them (targets: [{...}]) lists its own keys.
        var sections = new List<string>();
        foreach (var key in root)
        {
            foreach (var value in new[] { $"{{{Sentinel}: 1}}", $"[{{{Sentinel}: 1}}]" })
            {
                if (ReaderKeys(Top((key, value)), [key, key + "[0]"]) is { } keys)
                {
                    sections.Add(key);
                    var schemaKeys = PropertyNames(MappingOrNull((JsonObject)Properties(Root)[key]!) ?? []);
                    Assert.True(schemaKeys.SequenceEqual(keys), $"{key}: the reader accepts {string.Join(", ", keys)}; the schema has {string.Join(", ", schemaKeys)}");
                }
            }
        }
        Assert.Equal(Properties(Root).Where(p => MappingOrNull((JsonObject)p.Value!) is not null).Select(p => p.Key), sections);
    }

    /// <summary>A file that sets the key at <paramref name="path"/> to its example, with the sentinel key beside it.</summary>
    private static (string Yaml, string Where) FileUsing(string[] path)
    {
        var example = KeyAt(path).Example;
        if (path.Length == 1)
        {
            return (Top((path[0], example)) + $"{Sentinel}: 1\n", "lop.yaml");
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
        fields[path[1]] = example;
        fields[Sentinel] = "1";
        var mapping = "{" + string.Join(", ", fields.Select(f => $"{f.Key}: {f.Value}")) + "}";
        var where = section == "targets" ? $"target '{fields["name"]}'" : section;
        return (Top((section, section == "targets" ? $"[{mapping}]" : mapping)), where);
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

    /// <summary>The smallest valid file, with <paramref name="changes"/> put in at the top level.</summary>
    private static string Top(params (string Key, string Value)[] changes)
    {
        var top = new Dictionary<string, string>
        {
            ["model"] = "sample/model",
            ["calibration"] = "sample/calibration.txt",
            ["targets"] = "[{name: half, ratio: 0.5}]",
        };
        foreach (var (key, value) in changes)
        {
            top[key] = value;
        }
        return string.Concat(top.Select(t => $"{t.Key}: {t.Value}\n"));
    }

    /// <summary>The keys the reader says it accepts in one of <paramref name="where"/>, from its message about the sentinel key.</summary>
    private string[]? ReaderKeys(string yaml, string[] where)
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

    [GeneratedRegex($"unknown key '{Sentinel}' in (?<where>.+?); the keys are (?<keys>.+)\\.$")]
    private static partial Regex KeyList();
}
