using System.Text.RegularExpressions;
using Lop.Core.Config;

namespace Lop.Core.Tests.Config;

public sealed class QuantitiesTests
{
    [Theory]
    [InlineData("1.5GB", 1_500_000_000L)]
    [InlineData("1.5gb", 1_500_000_000L)]
    [InlineData("800MiB", 800L << 20)]
    [InlineData("800 mib", 800L << 20)]
    [InlineData("512KB", 512_000L)]
    [InlineData("512kib", 524_288L)]
    [InlineData("2TiB", 2L << 40)]
    [InlineData("3TB", 3_000_000_000_000L)]
    [InlineData("0.5KiB", 512L)]
    [InlineData("1073741824", 1L << 30)]
    [InlineData("100B", 100L)]
    [InlineData("1.0005KB", 1000L)]
    public void Sizes_parse_in_decimal_and_binary_units(string text, long bytes)
    {
        Assert.True(Quantities.TryParseSize(text, out var value));
        Assert.Equal(bytes, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GB")]
    [InlineData("1.5")]
    [InlineData("1.5 GX")]
    [InlineData("-1GB")]
    [InlineData("1e9")]
    [InlineData("1,5GB")]
    [InlineData("2.5M")]
    [InlineData("99999999999TB")]
    public void Malformed_sizes_are_rejected(string text) => Assert.False(Quantities.TryParseSize(text, out _));

    [Theory]
    [InlineData("2.5M", 2_500_000L)]
    [InlineData("7b", 7_000_000_000L)]
    [InlineData("125K", 125_000L)]
    [InlineData("1000000", 1_000_000L)]
    public void Counts_take_thousand_million_billion(string text, long count)
    {
        Assert.True(Quantities.TryParseCount(text, out var value));
        Assert.Equal(count, value);
    }

    [Theory]
    [InlineData("2.5")]
    [InlineData("2.5MB")]
    [InlineData("3G")]
    public void Malformed_counts_are_rejected(string text) => Assert.False(Quantities.TryParseCount(text, out _));

    [Theory]
    [InlineData("1.5GB")]
    [InlineData(" 800 mib ")]
    [InlineData("0.5KiB")]
    [InlineData("100b")]
    [InlineData("1073741824")]
    [InlineData("2.5M")]
    [InlineData("7b")]
    [InlineData("125K")]
    [InlineData("")]
    [InlineData("GB")]
    [InlineData("1.5")]
    [InlineData("1.5 GX")]
    [InlineData("2.5MB")]
    [InlineData("3G")]
    [InlineData("-1GB")]
    [InlineData("1e9")]
    [InlineData("1,5GB")]
    [InlineData("1.5GiBs")]
    public void The_schema_patterns_match_what_the_parsers_read(string text)
    {
        // The JSON Schema's patterns are ECMAScript regexes; magnitude (overflow) is for the parser alone.
        Assert.Equal(Quantities.TryParseSize(text, out _), Regex.IsMatch(text, Quantities.SizePattern, RegexOptions.ECMAScript));
        Assert.Equal(Quantities.TryParseCount(text, out _), Regex.IsMatch(text, Quantities.CountPattern, RegexOptions.ECMAScript));
    }

    [Theory]
    [InlineData("maxParam", "maxParams")]
    [InlineData("MaxMemory", "maxMemory")]
    [InlineData("contextLenght", "contextLength")]
    [InlineData("frobnicate", null)]
    public void Did_you_mean_finds_typos_only(string input, string? expected) =>
        Assert.Equal(expected, DidYouMean.Suggest(input, ["name", "ratio", "maxParams", "maxWeightBytes", "maxMemory", "device", "contextLength", "batch"]));
}
