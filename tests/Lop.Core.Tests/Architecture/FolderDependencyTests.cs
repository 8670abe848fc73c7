using System.Text.RegularExpressions;

namespace Lop.Core.Tests.Architecture;

/// <summary>
/// The engine's folders depend on each other one way only (the README's "How the engine is wired"): read
/// from the sources, so a new `using` that closes a loop fails here rather than in a reviewer's head.
/// </summary>
public sealed partial class FolderDependencyTests
{
    [Fact]
    public void No_two_parts_of_the_code_depend_on_each_other_even_through_others()
    {
        var graph = Dependencies();

        var cycle = FindCycle(graph);

        Assert.True(cycle is null, $"dependency cycle: {string.Join(" -> ", cycle ?? [])}");
        // The reading works: the edges the design is built on are found.
        Assert.Contains("Lop.Core.Pipeline", graph["Lop.Core.Jobs"]);
        Assert.Contains("Lop.Core.Allocation", graph["Lop.Core.Search"]);
    }

    [Fact]
    public void A_loop_is_found_when_there_is_one()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };

        Assert.Equal(["A", "B", "C", "A"], FindCycle(graph));
        Assert.Null(FindCycle(new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = [] }));
    }

    /// <summary>Part (Lop.Core.X, or a project such as Lop.Runtime) -> the parts its files name in usings or qualified names.</summary>
    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var source = Path.Combine(RepoFolder.Root, "src");
        foreach (var file in Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file).Split(Path.DirectorySeparatorChar);
            if (relative.Contains("obj") || relative.Contains("bin"))
            {
                continue;
            }
            var text = CodeOnly().Replace(File.ReadAllText(file), " ");
            if (Namespace().Match(text) is not { Success: true } declared)
            {
                continue;
            }
            var part = PartOf(declared.Groups[1].Value);
            var edges = graph.TryGetValue(part, out var known) ? known : graph[part] = [];
            foreach (Match reference in Reference().Matches(text))
            {
                var other = PartOf(reference.Groups[1].Value);
                if (other != part)
                {
                    edges.Add(other);
                }
            }
        }
        return graph;
    }

    private static string PartOf(string name)
    {
        var parts = name.Split('.');
        return parts.Length >= 3 && parts[1] == "Core" ? string.Join('.', parts[..3]) : string.Join('.', parts[..Math.Min(2, parts.Length)]);
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the current path, 2 done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in (graph.TryGetValue(node, out var edges) ? edges : []).Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                {
                    return found;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    [GeneratedRegex(@"^namespace (Lop\.[\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    // `using Lop.X;`, `using static Lop.X.Y;` and qualified names such as `Lop.Core.Allocation.BudgetAllocation`
    // (not inside a longer identifier), in code: comments and string literals are blanked out first.
    [GeneratedRegex(@"(?<![\w.])(Lop\.(?:Core\.)?[A-Z]\w*)(?=[.;])")]
    private static partial Regex Reference();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@?""(?:\\.|[^""\\\n])*""", RegexOptions.Singleline)]
    private static partial Regex CodeOnly();
}
