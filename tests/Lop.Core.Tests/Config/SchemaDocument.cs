using System.Text.Json.Nodes;
using Json.Schema;
using Lop.Core.Config;

namespace Lop.Core.Tests.Config;

/// <summary>lop.yaml's JSON Schema as the tests read it: its key paths, the mapping each key holds, and validation of a yaml file.</summary>
internal static class SchemaDocument
{
    public static JsonObject Root { get; } = (JsonObject)JsonNode.Parse(LopConfigSchema.Text)!;

    private static readonly JsonSchema Schema = JsonSchema.FromText(LopConfigSchema.Text);

    public static JsonObject Properties(JsonObject schema) => schema["properties"]?.AsObject() ?? [];

    public static string[] PropertyNames(JsonObject schema) => Properties(schema).Select(p => p.Key).ToArray();

    /// <summary>The object schema a key holds: itself, one of its anyOf (beside the short form), or its items.</summary>
    public static JsonObject? MappingOrNull(JsonObject schema)
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

    /// <summary>Every key path: the top-level keys, and the keys of each mapping (or list of mappings) below one.</summary>
    public static IEnumerable<string[]> KeyPaths(JsonObject schema, string[] prefix)
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

    public static bool Valid(string yaml, out string errors)
    {
        var result = Schema.Evaluate(YamlJson.Parse(yaml), new EvaluationOptions { OutputFormat = OutputFormat.List });
        errors = string.Join("\n", result.Details
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
        return result.IsValid;
    }
}
