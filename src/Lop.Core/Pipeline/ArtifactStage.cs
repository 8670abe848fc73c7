using Lop.Core.Artifacts;
using Lop.Core.Errors;
using NuGet.Versioning;

namespace Lop.Core.Pipeline;

/// <summary>
/// One kind of cached artifact: its key, the schema versions this engine reads, and how its payload
/// file is read and written. The store underneath verifies hashes and publishes atomically; a stage
/// adds the version check and turns an unreadable payload into a miss with a reason, never an error.
/// Version = Schema.N.0: N counts in-place updates (a dataset gaining budgets), so a consumer can ask
/// for a range and an older engine refuses a newer schema.
/// </summary>
internal abstract class ArtifactStage<T>(string kind, int schema, string payloadFile)
{
    public string Kind { get; } = kind;

    public int Schema { get; } = schema;

    /// <summary>The versions this engine reads: any of its own schema.</summary>
    public VersionRange Supported { get; } = new(new NuGetVersion(schema, 0, 0), true, new NuGetVersion(schema + 1, 0, 0), false);

    public NuGetVersion FirstVersion => new(Schema, 0, 0);

    protected string KeyOf(params IEnumerable<string> inputs) =>
        ArtifactKey.Of(Kind, Schema.ToString(System.Globalization.CultureInfo.InvariantCulture), inputs);

    public string PayloadPath(ArtifactStore store, string key) => Path.Combine(store.FolderOf(Kind, key), payloadFile);

    /// <summary>The cached value and its version, or null when absent or unusable (<paramref name="problem"/> says why).</summary>
    public (T Value, NuGetVersion Version)? TryLoad(ArtifactStore store, string key, out string? problem)
    {
        var entry = store.TryOpen(Kind, key, out problem);
        if (entry is null)
        {
            return null;
        }
        if (!Supported.Satisfies(entry.ParsedVersion))
        {
            problem = $"cached {Kind} {key[..12]} has version {entry.Version}, outside what this engine reads ({Supported}); it will be computed again";
            return null;
        }
        try
        {
            return (Read(PayloadPath(store, key)), entry.ParsedVersion);
        }
        catch (Exception e) when (e is LopException or KeyNotFoundException or FormatException or ArgumentException
                                      or System.Text.Json.JsonException or InvalidDataException)
        {
            problem = $"cached {Kind} {PayloadPath(store, key)} cannot be read ({e.Message}); it will be computed again";
            return null;
        }
    }

    /// <summary>Writes the value as a new entry (or a new version of the key's entry) and returns where its payload is.</summary>
    public string Save(ArtifactStore store, string key, T value, NuGetVersion version, IReadOnlyDictionary<string, string> inputs)
    {
        store.Write(Kind, key, version.ToNormalizedString(), inputs, folder => Write(Path.Combine(folder, payloadFile), value));
        return PayloadPath(store, key);
    }

    protected abstract T Read(string path);

    protected abstract void Write(string path, T value);
}
