using System.CommandLine;
using Lop.Core.Artifacts;

namespace Lop.Cli.Commands;

/// <summary><c>dotnet lop cache list | clean</c>: what the artifact cache holds, and removing it.</summary>
internal static class CacheCommand
{
    public static Command Create()
    {
        var command = new Command("cache", "Inspect or clear the artifact cache (importance scores, search datasets, predictors).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Clean());
        return command;
    }

    private static Command List()
    {
        var cache = CommonOptions.Cache();
        var json = CommonOptions.Json();
        var command = new Command("list", "List cache entries with their versions, sizes and inputs.") { cache, json };
        command.SetAction(result =>
        {
            var store = new ArtifactStore(CacheRoot.Resolve(result.GetValue(cache)?.FullName));
            var entries = store.List();
            if (result.GetValue(json))
            {
                JsonOutput.Write(entries.Select(e => new
                {
                    e.Entry.Kind,
                    e.Entry.Key,
                    e.Entry.Version,
                    e.Entry.Bytes,
                    e.Entry.Created,
                    e.Entry.Inputs,
                    e.Folder,
                }));
                return 0;
            }
            Console.WriteLine($"cache: {store.Root}");
            if (entries.Count == 0)
            {
                Console.WriteLine("  (empty)");
            }
            foreach (var (entry, _) in entries)
            {
                var inputs = string.Join(", ", entry.Inputs.Select(i => $"{i.Key}={Shorten(i.Value)}"));
                Console.WriteLine($"  {entry.Kind,-10} {entry.Key[..12]}  v{entry.Version,-8} {entry.Bytes,12:N0} B  {entry.Created:yyyy-MM-dd HH:mm}  {inputs}");
            }
            return 0;
        });
        return command;
    }

    private static Command Clean()
    {
        var cache = CommonOptions.Cache();
        var kind = new Option<string?>("--kind") { Description = "Only entries of this kind (importance, dataset, predictor)." };
        var command = new Command("clean", "Remove cache entries.") { cache, kind };
        command.SetAction(result =>
        {
            var store = new ArtifactStore(CacheRoot.Resolve(result.GetValue(cache)?.FullName));
            var freed = store.Clean(result.GetValue(kind));
            Console.WriteLine($"removed {freed:N0} bytes from {store.Root}");
            return 0;
        });
        return command;
    }

    private static string Shorten(string value) => value.Length > 24 && !value.Contains('/') ? value[..12] + "…" : value;
}
