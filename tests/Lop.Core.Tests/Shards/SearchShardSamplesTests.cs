using Lop.Core.Shards;
using YamlDotNet.RepresentationModel;

namespace Lop.Core.Tests.Shards;

/// <summary>The samples under samples/search-shards are copied by users: they must hand the engine the shard it reads.</summary>
public sealed class SearchShardSamplesTests
{
    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepoFolder.Root, "samples", "search-shards", file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path) =>
        path.Aggregate(node, (current, key) => ((YamlMappingNode)current).Children[new YamlScalarNode(key)]);

    [Fact]
    public void The_GitHub_workflow_passes_each_matrix_job_its_index_and_the_job_count()
    {
        var workflow = Load("github-actions.yml");
        var steps = (YamlSequenceNode)At(workflow, "jobs", "search", "steps");
        var search = steps.Cast<YamlMappingNode>().Single(s => s.Children.ContainsKey(new YamlScalarNode("env")));

        Assert.Equal("${{ strategy.job-index }}", At(search, "env", ShardSpec.IndexVariable).ToString());
        Assert.Equal("${{ strategy.job-total }}", At(search, "env", ShardSpec.CountVariable).ToString());
        Assert.Contains("dotnet lop search", At(search, "run").ToString());
        Assert.Contains("--out fragments", At(search, "run").ToString());
        var merge = ((YamlSequenceNode)At(workflow, "jobs", "merge", "steps")).Cast<YamlMappingNode>()
            .Select(s => s.Children.TryGetValue(new YamlScalarNode("run"), out var run) ? run.ToString() : "").ToList();
        Assert.Contains(merge, run => run.StartsWith("dotnet lop datasets merge fragments", StringComparison.Ordinal));
        Assert.Equal("search", At(workflow, "jobs", "merge", "needs").ToString());
    }

    [Fact]
    public void The_Kubernetes_job_is_indexed_and_states_a_shard_count_equal_to_its_completions()
    {
        var job = Load("kubernetes-indexed-job.yaml");
        Assert.Equal("Indexed", At(job, "spec", "completionMode").ToString());
        var container = (YamlMappingNode)((YamlSequenceNode)At(job, "spec", "template", "spec", "containers"))[0];
        var count = ((YamlSequenceNode)At(container, "env")).Cast<YamlMappingNode>()
            .Single(e => At(e, "name").ToString() == ShardSpec.CountVariable);

        Assert.Equal(At(job, "spec", "completions").ToString(), At(count, "value").ToString());
        Assert.Contains("--out /fragments", ((YamlSequenceNode)At(container, "args"))[0].ToString());
    }
}
