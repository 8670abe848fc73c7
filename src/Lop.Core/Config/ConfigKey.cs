namespace Lop.Core.Config;

/// <summary>What a key of lop.yaml holds, as far as its shape goes (the reader checks more: files exist, targets fit).</summary>
internal enum ConfigValueKind
{
    /// <summary>A path relative to lop.yaml.</summary>
    Path,

    /// <summary>A target name: letters, digits, '.', '_' and '-'.</summary>
    Name,

    /// <summary>One of <see cref="ConfigKey.Choices"/>, any case.</summary>
    Choice,

    /// <summary>One or a list of <see cref="ConfigKey.Choices"/>.</summary>
    ChoiceList,

    Integer,

    Number,

    /// <summary>A non-empty list of numbers, each in <see cref="ConfigKey.Range"/>.</summary>
    NumberList,

    /// <summary>Bytes: 1.5GB, 800MiB or a plain integer (<see cref="Quantities"/>).</summary>
    Size,

    /// <summary>A count: 2.5M, 7B or a plain integer (<see cref="Quantities"/>).</summary>
    Count,

    /// <summary>A mapping of <see cref="ConfigKey.Keys"/>.</summary>
    Section,

    /// <summary>A non-empty list of mappings of <see cref="ConfigKey.Keys"/>.</summary>
    SectionList,
}

/// <summary>
/// Bounds of a number; the reader accepts exactly the values <see cref="Contains"/> accepts, and the schema
/// states the same bounds, so a file the editor accepts is not refused for range by the reader.
/// </summary>
internal sealed record NumberRange(double? Minimum = null, double? ExclusiveMinimum = null, double? ExclusiveMaximum = null)
{
    public bool Contains(double value) =>
        double.IsFinite(value)
        && (Minimum is not { } min || value >= min)
        && (ExclusiveMinimum is not { } above || value > above)
        && (ExclusiveMaximum is not { } below || value < below);
}

/// <summary>
/// One key of lop.yaml: the one description that both the reader (<see cref="ConfigBinder"/>,
/// <see cref="ConfigChecks"/>) and the JSON Schema (<see cref="LopConfigSchema"/>) are made from, so the keys
/// the reader accepts and the keys the editor completes cannot drift apart.
/// </summary>
internal sealed record ConfigKey(string Name, ConfigValueKind Kind, string Description)
{
    /// <summary>For <see cref="ConfigValueKind.Section"/>: the short form a plain scalar stands for (calibration: file, output: folder).</summary>
    public ConfigKey? ShortForm { get; init; }

    public IReadOnlyList<ConfigKey> Keys { get; init; } = [];

    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>The least integer the reader accepts; <see cref="int.MinValue"/> for any.</summary>
    public int IntegerMinimum { get; init; } = int.MinValue;

    public NumberRange Range { get; init; } = new();

    public bool Required { get; init; }

    /// <summary>An empty value (null, ~) means the default.</summary>
    public bool Nullable { get; init; }

    /// <summary>What the reader uses when the key is left out (an int, a double or a string), from the settings records; null when there is none to state.</summary>
    public object? Default { get; init; }

    /// <summary>A value as it would be written in lop.yaml, for the schema's examples (and the tests that feed the reader each key).</summary>
    public required string Example { get; init; }

    /// <summary>The key as messages name it inside a section: <c>calibration.heldOut</c>.</summary>
    public string Under(ConfigKey section) => $"{section.Name}.{Name}";

    public string[] KeyNameArray => Keys.Select(k => k.Name).ToArray();
}
