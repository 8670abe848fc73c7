using System.Diagnostics;
using Lop.Contract;
using Lop.Core.Progress;

namespace Lop.Cli;

/// <summary>
/// Progress on stderr, so stdout stays clean for --json. On a terminal one line is redrawn in place;
/// in a log (CI, MSBuild) a line is written at most every few seconds and at the end of each stage.
/// </summary>
internal sealed class ConsoleProgress : IJobProgress
{
    private readonly TextWriter _error = Console.Error;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private readonly Dictionary<string, Stopwatch> _stages = [];
    private bool _lineOpen;

    private readonly HashSet<string> _estimated = [];

    public bool Quiet { get; init; }

    /// <summary>Milestones (Info lines) in the contract's <c>lop: info:</c> form, for the MSBuild task.</summary>
    public bool TagMilestones { get; init; }

    public void Report(string stage, long done, long total, string? detail = null)
    {
        if (Quiet)
        {
            return;
        }
        if (!_stages.TryGetValue(stage, out var clock))
        {
            clock = Stopwatch.StartNew();
            _stages[stage] = clock;
        }
        var finished = done >= total;
        var interval = _interactive ? 0.1 : 5.0;
        if (!finished && _sinceLast.Elapsed.TotalSeconds < interval)
        {
            return;
        }
        _sinceLast.Restart();
        // In a log, one milestone per long stage with its size and estimated time, once a tenth of it has run.
        if (!_interactive && !finished && total >= 20 && done * 10 >= total && _estimated.Add(stage))
        {
            Info($"{stage}: {total} steps, about {Format(clock.Elapsed * ((double)(total - done) / done))} left");
        }
        var percent = total == 0 ? 100 : 100.0 * done / total;
        var eta = done > 0 && !finished ? $", {Format(clock.Elapsed * ((double)(total - done) / done))} left" : "";
        var text = $"{stage}: {done}/{total} ({percent:F0}%, {Format(clock.Elapsed)}{eta}){(detail is null ? "" : " " + detail)}";
        if (_interactive)
        {
            _error.Write("\r" + text.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 100, 160)));
            _lineOpen = !finished;
            if (finished)
            {
                _error.WriteLine();
            }
        }
        else
        {
            _error.WriteLine(text);
        }
    }

    public void Info(string message)
    {
        if (Quiet)
        {
            return;
        }
        if (_lineOpen)
        {
            _error.WriteLine();
            _lineOpen = false;
        }
        _error.WriteLine(TagMilestones ? EngineDiagnostic.FormatInfo(message) : message);
    }

    /// <summary>
    /// In MSBuild's canonical form (<c>lop: warning LOPnnnn: ...</c>), which the build task turns into a build
    /// warning; printed even when quiet, since a warning is a result, not progress.
    /// </summary>
    public void Warn(string code, string message)
    {
        if (_lineOpen)
        {
            _error.WriteLine();
            _lineOpen = false;
        }
        _error.WriteLine(EngineDiagnostic.Format(EngineDiagnostic.Warning, code, message));
    }

    private static string Format(TimeSpan t) => t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s" : $"{t.TotalSeconds:F1}s";
}
