using System.Text.Json;

namespace Lop.Cli;

/// <summary>The --json contract: camelCase, stable property order (declaration order), one document on stdout.</summary>
internal static class JsonOutput
{
    // The MSBuild task reads `lop variants --json` with these same options: one definition, in the contract.
    private static readonly JsonSerializerOptions Options = Lop.Contract.VariantsJson.Options;

    public static void Write<T>(T value) => Console.Out.WriteLine(Serialize(value));

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
