using System.Globalization;
using Lop.Core.Errors;

namespace Lop.Core.Shards;

/// <summary>
/// Which share of the search units this process runs: shard <paramref name="Index"/> (0-based) of
/// <paramref name="Count"/>, and where that came from (said in the log, so a CI run shows why it searched what it did).
/// </summary>
public sealed record ShardSpec(int Index, int Count, string Source)
{
    /// <summary>The variables a workflow sets itself (GitHub Actions has no built-in matrix index): 0-based index and count.</summary>
    public const string IndexVariable = "LOP_SHARD_INDEX";

    public const string CountVariable = "LOP_SHARD_COUNT";

    /// <summary>Azure Pipelines (a job with <c>parallel: N</c>): 1-based position and total.</summary>
    public const string AzurePositionVariable = "SYSTEM_JOBPOSITIONINPHASE";

    public const string AzureTotalVariable = "SYSTEM_TOTALJOBSINPHASE";

    /// <summary>Kubernetes Indexed Jobs: the pod's 0-based completion index; the count comes from <see cref="CountVariable"/>.</summary>
    public const string KubernetesIndexVariable = "JOB_COMPLETION_INDEX";

    public static ShardSpec Whole { get; } = new(0, 1, "no --shard and no CI shard variables: every unit");

    public bool Owns(int unit) => unit % Count == Index;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"shard {Index}/{Count} ({Source})");

    /// <summary>"i/N" with 0 &lt;= i &lt; N, as <c>--shard</c> takes it.</summary>
    public static ShardSpec Parse(string text, string source = "--shard")
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !TryCount(parts[0], out var index) || !TryCount(parts[1], out var count))
        {
            throw Invalid(source, $"'{text}' is not a shard; write i/N, the 0-based shard index and the shard count, e.g. 0/4 for the first of four.");
        }
        return Checked(index, count, source);
    }

    /// <summary>
    /// The shard the CI system states, or null when it states none. Checked in this order: LOP_SHARD_INDEX
    /// and LOP_SHARD_COUNT (set by the workflow; GitHub Actions passes <c>strategy.job-index</c> and
    /// <c>strategy.job-total</c>), Azure Pipelines' SYSTEM_JOBPOSITIONINPHASE (1-based) and
    /// SYSTEM_TOTALJOBSINPHASE, Kubernetes' JOB_COMPLETION_INDEX with LOP_SHARD_COUNT. Half a pair is an error.
    /// </summary>
    public static ShardSpec? FromEnvironment(Func<string, string?> variable)
    {
        var index = Value(variable, IndexVariable);
        var count = Value(variable, CountVariable);
        var podIndex = Value(variable, KubernetesIndexVariable);
        if (index is not null)
        {
            Require(count is not null, IndexVariable, $"{IndexVariable} is set ({index}) but {CountVariable} is not; set both, the 0-based shard index and the shard count.");
            return FromVariables(index, count!, 0, $"{IndexVariable}/{CountVariable}");
        }
        if (podIndex is not null)
        {
            Require(count is not null, KubernetesIndexVariable,
                $"{KubernetesIndexVariable} is set ({podIndex}, a Kubernetes Indexed Job) but {CountVariable} is not; set it to the Job's completions in the pod template.");
            return FromVariables(podIndex, count!, 0, $"Kubernetes {KubernetesIndexVariable} with {CountVariable}");
        }
        if (count is not null)
        {
            throw Invalid(CountVariable, $"{CountVariable} is set ({count}) but neither {IndexVariable} nor {KubernetesIndexVariable} is; set the shard index too.");
        }
        var position = Value(variable, AzurePositionVariable);
        var total = Value(variable, AzureTotalVariable);
        if (position is not null || total is not null)
        {
            Require(position is not null && total is not null, AzurePositionVariable,
                $"Azure Pipelines states {(position is null ? AzureTotalVariable : AzurePositionVariable)} but not {(position is null ? AzurePositionVariable : AzureTotalVariable)}; pass --shard i/N.");
            return FromVariables(position!, total!, 1, $"Azure Pipelines {AzurePositionVariable}/{AzureTotalVariable}");
        }
        return null;
    }

    private static ShardSpec FromVariables(string index, string count, int firstIndex, string source)
    {
        if (!TryCount(index, out var i) || !TryCount(count, out var n) || i < firstIndex)
        {
            throw Invalid(source, $"'{index}' of '{count}' is not a shard; the index must be a whole number from {firstIndex} and the count a whole number from 1.");
        }
        return Checked(i - firstIndex, n, source);
    }

    private static ShardSpec Checked(int index, int count, string source)
    {
        Require(count >= 1, source, string.Create(CultureInfo.InvariantCulture, $"the shard count is {count}; it must be at least 1."));
        Require(index < count, source, string.Create(CultureInfo.InvariantCulture,
            $"shard index {index} is not below the shard count {count}; indexes run from 0 to {count - 1}."));
        return new ShardSpec(index, count, source);
    }

    private static string? Value(Func<string, string?> variable, string name) =>
        variable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static bool TryCount(string text, out int value) =>
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static void Require(bool condition, string source, string message)
    {
        if (!condition)
        {
            throw Invalid(source, message);
        }
    }

    private static LopException Invalid(string source, string message) => new(ErrorCodes.ShardSpecInvalid, $"{source}: {message}");
}
