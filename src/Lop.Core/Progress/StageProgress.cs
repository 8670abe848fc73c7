namespace Lop.Core.Progress;

/// <summary>Adapts batch progress to a job's progress sink (synchronously: the BCL's Progress would post to the thread pool).</summary>
internal sealed class StageProgress(IJobProgress sink, string stage) : IProgress<(int Done, int Total)>
{
    public void Report((int Done, int Total) value) => sink.Report(stage, value.Done, value.Total);
}
