using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Lop.Core.Config.ConfigValueKind;

namespace Lop.Core.Config;

/// <summary>
/// The JSON Schema of lop.yaml, written from <see cref="LopYamlKeys"/> (the keys, choices and bounds the reader
/// uses), for editors running the YAML language server: key completion, hover text, device names, units.
/// Draft-07, the newest draft the YAML language server supports. The schema checks shapes only; the reader also
/// checks that files exist and targets fit, and matches choices in any case where the schema lists one spelling.
/// </summary>
public static class LopConfigSchema
{
    /// <summary>The file name <c>dotnet lop init</c> writes beside lop.yaml and the packages carry under schemas/.</summary>
    public const string FileName = "lop.schema.json";

    private const string Draft = "http://json-schema.org/draft-07/schema#";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NewLine = "\n",
        // Readable patterns and descriptions ('+', '<', quotes) in a file people open.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Text { get; } = Build();

    /// <summary>
    /// The comment that tells the YAML language server which schema a file follows; a relative path is resolved
    /// against the yaml's own folder.
    /// </summary>
    public static string Modeline(string schemaLocation) => $"# yaml-language-server: $schema={schemaLocation}";

    private static string Build()
    {
        var root = new JsonObject
        {
            ["$schema"] = Draft,
            ["title"] = LopYamlKeys.Root.Name,
        };
        foreach (var (name, value) in Mapping(LopYamlKeys.Root))
        {
            root[name] = value?.DeepClone();
        }
        return root.ToJsonString(Options) + "\n";
    }

    private static JsonObject Schema(ConfigKey key)
    {
        var schema = key.Kind switch
        {
            ConfigValueKind.Path => Typed("string", key.Nullable),
            ConfigValueKind.Name => new JsonObject { ["type"] = "string", ["pattern"] = LopYamlKeys.Target.NamePattern },
            Choice => Choices(key),
            ChoiceList => new JsonObject { ["anyOf"] = new JsonArray(Choices(key), new JsonObject { ["type"] = "array", ["items"] = Choices(key) }) },
            Integer => Bounded(Typed("integer", key.Nullable), key),
            Number => Bounded(Typed("number", key.Nullable), key),
            NumberList => new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = Bounded(Typed("number", nullable: false), key) },
            Size => Quantity(Quantities.SizePattern),
            Count => Quantity(Quantities.CountPattern),
            Section when key.ShortForm is { } shortForm => new JsonObject { ["anyOf"] = new JsonArray(Schema(shortForm), Mapping(key)) },
            Section => Mapping(key),
            _ => new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = Mapping(key) },
        };
        var described = new JsonObject { ["description"] = key.Description };
        foreach (var (name, value) in schema)
        {
            described[name] = value?.DeepClone();
        }
        if (key.Default is { } fallback)
        {
            described["default"] = fallback switch
            {
                int i => i,
                long l => l,
                double d => d,
                _ => (string)fallback,
            };
        }
        if (Example(key) is { } example)
        {
            described["examples"] = new JsonArray(example);
        }
        return described;
    }

    /// <summary>A mapping of the key's keys; an unknown key is an error in the reader, so it is one here too.</summary>
    private static JsonObject Mapping(ConfigKey key)
    {
        var properties = new JsonObject();
        foreach (var child in key.Keys)
        {
            properties[child.Name] = Schema(child);
        }
        var mapping = new JsonObject
        {
            ["description"] = key.Description,
            ["type"] = key.Nullable ? new JsonArray("object", "null") : "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        if (key.Keys.Where(k => k.Required).Select(k => (JsonNode)k.Name).ToArray() is { Length: > 0 } required)
        {
            mapping["required"] = new JsonArray(required);
        }
        return mapping;
    }

    private static JsonObject Typed(string type, bool nullable) =>
        new() { ["type"] = nullable ? new JsonArray(type, "null") : type };

    private static JsonObject Choices(ConfigKey key) =>
        new() { ["type"] = "string", ["enum"] = new JsonArray(key.Choices.Select(c => (JsonNode)c).ToArray()) };

    private static JsonObject Bounded(JsonObject schema, ConfigKey key)
    {
        if (key.IntegerMinimum != int.MinValue)
        {
            schema["minimum"] = key.IntegerMinimum;
        }
        if (key.Range.Minimum is { } minimum)
        {
            schema["minimum"] = minimum;
        }
        if (key.Range.ExclusiveMinimum is { } above)
        {
            schema["exclusiveMinimum"] = above;
        }
        if (key.Range.ExclusiveMaximum is { } below)
        {
            schema["exclusiveMaximum"] = below;
        }
        return schema;
    }

    /// <summary>A plain YAML integer arrives as a number, 1.5GB as a string.</summary>
    private static JsonObject Quantity(string pattern) => new()
    {
        ["anyOf"] = new JsonArray(
            new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
            new JsonObject { ["type"] = "string", ["pattern"] = pattern }),
    };

    /// <summary>The key's example as the JSON value YAML reads it as; none for lists and mappings (their examples are YAML flow text).</summary>
    private static JsonNode? Example(ConfigKey key) => key.Kind switch
    {
        Integer => int.Parse(key.Example, CultureInfo.InvariantCulture),
        Number => double.Parse(key.Example, CultureInfo.InvariantCulture),
        ConfigValueKind.Path or ConfigValueKind.Name or Choice or Size or Count => key.Example,
        _ => null,
    };
}
