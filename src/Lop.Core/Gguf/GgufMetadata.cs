namespace Lop.Core.Gguf;

/// <summary>One metadata value: its GGUF type and the CLR value (arrays: the element type and a typed array).</summary>
public sealed record GgufValue(GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    public static GgufValue String(string value) => new(GgufValueType.String, value);
    public static GgufValue UInt32(uint value) => new(GgufValueType.UInt32, value);
    public static GgufValue Int32(int value) => new(GgufValueType.Int32, value);
    public static GgufValue Float32(float value) => new(GgufValueType.Float32, value);
    public static GgufValue Bool(bool value) => new(GgufValueType.Bool, value);
    public static GgufValue Strings(IReadOnlyList<string> values) => new(GgufValueType.Array, values.ToArray(), GgufValueType.String);
    public static GgufValue Int32s(IReadOnlyList<int> values) => new(GgufValueType.Array, values.ToArray(), GgufValueType.Int32);
    public static GgufValue UInt32s(IReadOnlyList<uint> values) => new(GgufValueType.Array, values.ToArray(), GgufValueType.UInt32);
    public static GgufValue Float32s(IReadOnlyList<float> values) => new(GgufValueType.Array, values.ToArray(), GgufValueType.Float32);

    /// <summary>Integers of any width, as llama.cpp accepts several for the same key.</summary>
    public long AsInt64() => Value switch
    {
        byte b => b, sbyte s => s, ushort us => us, short sh => sh, uint u => u, int i => i, ulong ul => (long)ul, long l => l,
        _ => throw new InvalidOperationException($"GGUF value of type {Type} is not an integer"),
    };
}

/// <summary>GGUF key/value metadata in insertion order (keys are unique; setting one again replaces it in place).</summary>
public sealed class GgufMetadata
{
    private readonly List<KeyValuePair<string, GgufValue>> _entries = [];

    public IReadOnlyList<KeyValuePair<string, GgufValue>> Entries => _entries;

    public GgufValue this[string key]
    {
        get => TryGet(key, out var value) ? value : throw new KeyNotFoundException($"GGUF metadata has no key {key}");
        set
        {
            var index = _entries.FindIndex(e => e.Key == key);
            if (index >= 0)
            {
                _entries[index] = new(key, value);
            }
            else
            {
                _entries.Add(new(key, value));
            }
        }
    }

    public bool TryGet(string key, out GgufValue value)
    {
        foreach (var entry in _entries)
        {
            if (entry.Key == key)
            {
                value = entry.Value;
                return true;
            }
        }
        value = null!;
        return false;
    }

    public string? GetString(string key) => TryGet(key, out var v) && v.Value is string s ? s : null;
}
