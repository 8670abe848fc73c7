namespace Lop.Benchmarks;

/// <summary>The few option forms the benchmarks take: <c>--name value</c> and <c>--flag</c>.</summary>
internal static class BenchmarkArgs
{
    public static string? Value(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    public static bool Flag(string[] args, string name) => args.Contains(name);
}
