using System.Security.Cryptography;
using System.Text;

namespace Lop.Core.Pipeline;

/// <summary>
/// The one way a cache key is made: SHA-256 of "lop-{kind}", the schema and every input, one per line.
/// A key names exactly what an artifact depends on, so a changed input is a different key (a miss),
/// never a stale hit; bumping the schema retires every old entry of that kind at once.
/// </summary>
internal static class ArtifactKey
{
    public static string Of(string kind, string schema, params IEnumerable<string> inputs) =>
        Hash(new[] { "lop-" + kind, schema }.Concat(inputs));

    /// <summary>Lowercase hex SHA-256 of the lines joined by '\n'.</summary>
    public static string Hash(IEnumerable<string> lines) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
}
