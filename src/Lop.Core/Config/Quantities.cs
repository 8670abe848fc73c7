using System.Globalization;
using System.Text.RegularExpressions;

namespace Lop.Core.Config;

/// <summary>
/// Sizes and counts as people write them: <c>1.5GB</c> (powers of 1000), <c>800MiB</c> (powers of 1024),
/// <c>2.5M</c> parameters. Units are case-insensitive; a plain integer is bytes (or a count). Arithmetic is
/// decimal, so <c>1.5GB</c> is exactly 1,500,000,000; a fraction of a byte left over is dropped.
/// </summary>
internal static partial class Quantities
{
    public const string SizeHelp = "a size such as 1.5GB, 800MiB or 1073741824: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024); a plain integer is bytes";

    public const string CountHelp = "a count such as 2.5M, 7B or 1000000: K (thousand), M (million) or B (billion); a plain integer is the count itself";

    private static readonly Dictionary<string, decimal> SizeUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        ["B"] = 1,
        ["KB"] = 1e3m, ["MB"] = 1e6m, ["GB"] = 1e9m, ["TB"] = 1e12m,
        ["KiB"] = 1L << 10, ["MiB"] = 1L << 20, ["GiB"] = 1L << 30, ["TiB"] = 1L << 40,
    };

    private static readonly Dictionary<string, decimal> CountUnits = new(StringComparer.OrdinalIgnoreCase)
    {
        ["K"] = 1e3m, ["M"] = 1e6m, ["B"] = 1e9m,
    };

    /// <summary>What <see cref="TryParseSize"/> reads, as an ECMAScript regex (JSON Schema's dialect): a whole number, or a number and a unit in any case.</summary>
    public static string SizePattern { get; } = JsonPattern(SizeUnits.Keys);

    /// <summary>What <see cref="TryParseCount"/> reads, as an ECMAScript regex.</summary>
    public static string CountPattern { get; } = JsonPattern(CountUnits.Keys);

    public static bool TryParseSize(string text, out long bytes) => TryParse(text, SizeUnits, out bytes);

    public static bool TryParseCount(string text, out long count) => TryParse(text, CountUnits, out count);

    private static bool TryParse(string text, Dictionary<string, decimal> units, out long value)
    {
        value = 0;
        var match = Pattern().Match(text);
        if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        var unit = match.Groups[2].Value;
        decimal scale = 1;
        if (unit.Length > 0 && !units.TryGetValue(unit, out scale))
        {
            return false;
        }
        if (unit.Length == 0 && number != decimal.Truncate(number))
        {
            // 1.5 of what? Without a unit only whole bytes (or a whole count) make sense.
            return false;
        }
        var whole = decimal.Truncate(number * scale);
        if (whole > long.MaxValue)
        {
            return false;
        }
        value = (long)whole;
        return true;
    }

    /// <summary>JSON Schema patterns have no ignore-case flag, so every letter of a unit becomes a class of both cases.</summary>
    private static string JsonPattern(IEnumerable<string> units)
    {
        var alternatives = units
            .OrderByDescending(u => u.Length)
            .ThenBy(u => u, StringComparer.Ordinal)
            .Select(u => string.Concat(u.Select(c => $"[{char.ToUpperInvariant(c)}{char.ToLowerInvariant(c)}]")));
        return $@"^\s*([0-9]{{1,18}}|[0-9]{{1,18}}(\.[0-9]{{1,12}})?\s*({string.Join("|", alternatives)}))\s*$";
    }

    [GeneratedRegex(@"^\s*([0-9]{1,18}(?:\.[0-9]{1,12})?)\s*([A-Za-z]*)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
