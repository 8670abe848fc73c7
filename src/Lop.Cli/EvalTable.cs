using Lop.Core.Jobs;

namespace Lop.Cli;

/// <summary>Human output of eval: one row per budget, one column per method, plus the speed-up of prediction over search.</summary>
internal static class EvalTable
{
    public static void Print(EvalReport report)
    {
        var methods = report.Rows.Select(r => r.Method).Distinct().ToList();
        Console.WriteLine($"held-out perplexity (dense model {report.DensePerplexity:F4}); * = a budget the predictors were trained on");
        Console.WriteLine("budget   " + string.Join("", methods.Select(m => $"{m,12}")));
        foreach (var group in report.Rows.GroupBy(r => r.Budget))
        {
            var best = group.Min(r => r.Perplexity);
            var cells = methods.Select(m => group.FirstOrDefault(r => r.Method == m) is { } row
                ? $"{row.Perplexity,11:F4}{(row.Perplexity == best ? "<" : " ")}"
                : $"{"-",12}");
            Console.WriteLine($"{group.Key,5:0.00}{(group.First().TrainedOn ? "*" : " ")}   " + string.Join("", cells));
        }
        if (report.DenseGap is { } denseGap)
        {
            Console.WriteLine();
            Console.WriteLine($"multimodal gap: perplexity with a wrong image minus with the true image (dense model {denseGap:F4}); larger = still uses its eyes");
            Console.WriteLine("budget   " + string.Join("", methods.Select(m => $"{m,12}")));
            foreach (var group in report.Rows.GroupBy(r => r.Budget))
            {
                var best = group.Max(r => r.Gap ?? double.NegativeInfinity);
                var cells = methods.Select(m => group.FirstOrDefault(r => r.Method == m) is { Gap: { } gap }
                    ? $"{gap,11:F4}{(gap == best ? ">" : " ")}"
                    : $"{"-",12}");
                Console.WriteLine($"{group.Key,5:0.00}{(group.First().TrainedOn ? "*" : " ")}   " + string.Join("", cells));
            }
            Console.WriteLine();
            Console.WriteLine($"image accuracy: share of captions likelier with their own image than with a wrong one (dense model {report.DenseImageAccuracy:P1})");
            Console.WriteLine("budget   " + string.Join("", methods.Select(m => $"{m,12}")));
            foreach (var group in report.Rows.GroupBy(r => r.Budget))
            {
                var cells = methods.Select(m => group.FirstOrDefault(r => r.Method == m) is { ImageAccuracy: { } accuracy }
                    ? $"{accuracy,11:P1} "
                    : $"{"-",12}");
                Console.WriteLine($"{group.Key,5:0.00}{(group.First().TrainedOn ? "*" : " ")}   " + string.Join("", cells));
            }
        }
        Console.WriteLine();
        // No search / prediction ratio per row: mcts's seconds are what the dataset recorded (another run, another
        // load), so only the same-run figures below compare the two.
        Console.WriteLine("seconds to choose the layer ratios (mcts: the search as the dataset recorded it):");
        foreach (var group in report.Rows.GroupBy(r => r.Budget))
        {
            Console.WriteLine($"  {group.Key,5:0.00}  " + string.Join("  ", group.Select(r => $"{r.Method} {r.Seconds:G3}")));
        }
        if (report.Timing is { } timing)
        {
            PrintTiming(timing, report.TrainingBudgets.Length);
        }
    }

    private static void PrintTiming(EvalTiming timing, int trainingBudgets)
    {
        Console.WriteLine();
        Console.WriteLine("timed in this run:");
        if (timing.FreshSearch is { } fresh)
        {
            var recorded = fresh.DatasetSeconds is { } d ? $"; the dataset recorded {d:F1} s" : "";
            Console.WriteLine($"  search of budget {fresh.Budget:0.00}, again: {fresh.Seconds:F1} s ({fresh.Evaluations} evaluations{recorded})");
        }
        else
        {
            Console.WriteLine("  no search (--no-fresh-search): no speed-up or break-even is stated");
        }
        foreach (var p in timing.Predictors)
        {
            var line = $"  {p.Method}: first prediction {p.FirstCallSeconds * 1e3:F1} ms, warm {p.WarmSeconds * 1e3:F2} ms";
            if (p.Speedup is { } speedup)
            {
                line += $"; search / warm prediction = {speedup:N0}x";
            }
            line += p.OneOffSeconds is { } oneOff
                ? $"; one-off cost {oneOff:F1} s ({trainingBudgets} training searches {p.TrainingSearchSeconds:F1} s + training {p.TrainingSeconds:F1} s)"
                : "; one-off cost unknown (predictor trained before training time was recorded)";
            if (p.BreakEvenBudgets is { } n)
            {
                line += $", paid for after {n} new budget{(n == 1 ? "" : "s")}";
            }
            Console.WriteLine(line);
        }
    }
}
