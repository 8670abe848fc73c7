using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Loading;
using Lop.Core.Models;
using Lop.Core.Pipeline;
using Lop.Core.Progress;
using Lop.Core.Search;
using static TorchSharp.torch;

namespace Lop.Benchmarks;

/// <summary>
/// What one budget's search costs today (every candidate on every reward sequence and token, all simulations)
/// against the cheaper settings, in one run. On each sample (a trained model and its calibration text): both
/// searches for real, their counted work as FLOPs, wall seconds, simulations/s, the held-out perplexity of each
/// best configuration, and Spearman's correlation between cheap and full scores over every configuration the
/// full search evaluated. On a random-weight Qwen2.5-0.5B-shaped checkpoint (quality means nothing there): the
/// measured seconds of a full-width forward per sequence with and without the token stride, and the per-budget
/// cost both ways extrapolated from the evaluations the first sample's searches counted.
/// </summary>
internal static class SearchCostBenchmark
{
    private const int BatchSize = 8;

    public static int Run(string[] args)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        var c = CultureInfo.InvariantCulture;
        var budgets = (BenchmarkArgs.Value(args, "--budget") ?? "0.5").Split(',').Select(b => double.Parse(b, c)).ToArray();
        var seeds = (BenchmarkArgs.Value(args, "--seed") ?? new SearchSettings().Seed.ToString(c)).Split(',').Select(x => long.Parse(x, c)).ToArray();
        var rewardSequences = int.Parse(BenchmarkArgs.Value(args, "--reward-sequences") ?? "32", c);
        var today = new SearchSettings { Simulations = int.Parse(BenchmarkArgs.Value(args, "--simulations") ?? "300", c) };
        // Each variant is staged sequences:promote top:token stride:patience[:simulations[:trees]]; all of them share one search as today.
        var variants = (BenchmarkArgs.Value(args, "--cheaper") ?? "4:8:4:100").Split(',').Select(v =>
        {
            var p = v.Split(':').Select(x => int.Parse(x, c)).ToArray();
            var settings = today.WithCheaperSimulations(p[0], p[1], p[2], p[3]) with
            {
                Simulations = p.Length > 4 ? p[4] : today.Simulations,
                SeedsPerBudget = p.Length > 5 ? p[5] : null,
            };
            settings.Validate();
            return settings;
        }).ToList();
        // A folder that keeps today's searches between runs (they are deterministic per seed; their seconds are from the run that made them).
        var reuseToday = BenchmarkArgs.Value(args, "--reuse-today");
        if (reuseToday is not null)
        {
            Directory.CreateDirectory(reuseToday);
            Console.WriteLine($"today's searches: read back from {reuseToday} where saved; their seconds (and so the time ratios) are from the run that made them, the FLOPs are counted");
        }
        var samples = args.Select((a, i) => (a, i)).Where(p => p.a == "--sample" && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();
        Console.WriteLine($"threads: {get_num_threads()}; budgets {string.Join(", ", budgets)}; seeds {string.Join(", ", seeds)}; {rewardSequences} reward sequences; today: {today.Simulations} simulations, every sequence and token");

        var table = new TextTable("model", "budget", "seed", "search", "simulations", "full evals", "cheap evals", "GFLOP / budget", "seconds", "simulations/s", "held-out ppl");
        var summary = new List<string>();
        List<SampleOutcome>? first = null;
        foreach (var sample in samples)
        {
            var outcomes = Sample(sample, budgets, seeds, rewardSequences, today, variants, table, reuseToday);
            first ??= outcomes;
            summary.AddRange(Summarize(outcomes));
        }
        if (!BenchmarkArgs.Flag(args, "--skip-shape"))
        {
            if (first is null)
            {
                Console.WriteLine("0.5B shape: needs a --sample to take the search's evaluation counts from; skipped.");
            }
            else
            {
                // The shape's extrapolation takes the counts of the first budget and seed.
                summary.AddRange(Shape(first.Where(o => o.Budget == budgets[0] && o.Seed == seeds[0]).ToList(), budgets[0], rewardSequences, table));
            }
        }
        Console.WriteLine();
        table.Print(Console.Out);
        Console.WriteLine();
        foreach (var line in summary)
        {
            Console.WriteLine(line);
        }
        return 0;
    }

    /// <summary>staged:promote:stride:patience, as --cheaper takes it, with simulations and trees when they differ from today's.</summary>
    private static string Label(SearchSettings s, SearchSettings today)
    {
        var label = string.Create(CultureInfo.InvariantCulture, $"{s.Staged?.Sequences ?? 0}:{s.Staged?.PromoteTop ?? 0}:{s.ScoredStride()}:{s.Patience}");
        return s.Simulations == today.Simulations && s.Trees() == 1 ? label : string.Create(CultureInfo.InvariantCulture, $"{label}:{s.Simulations}:{s.Trees()}");
    }

    /// <summary>
    /// One budget's search as the pipeline runs it: its units (<see cref="SearchUnit.All"/>, one tree each with its own
    /// seed), pooled by <see cref="BudgetUnion"/> into the budget's records and best; the work of all trees added up.
    /// </summary>
    private static SearchResult SearchAllTrees(IPrunableModel model, CalibrationSequence[] sequences, double budget, SearchSettings settings)
    {
        var trees = SearchUnit.All([budget], settings)
            .Select(unit => (unit.Seed, Result: MctsSearch.Run(model, sequences, budget, settings with { Seed = unit.Seed })))
            .ToList();
        if (trees.Count == 1)
        {
            return trees[0].Result;
        }
        var pooled = BudgetUnion.Add(null, budget, settings.Seed,
            trees.Select(t => new TreeResult(new SearchTree(t.Seed, t.Result.Seconds, t.Result.Evaluations), t.Result.Records)));
        var costs = trees.Select(t => t.Result.Cost).ToList();
        var cost = new SearchCost(costs.Sum(x => x.Simulations), costs.Sum(x => x.FullEvaluations), costs.Sum(x => x.CheapEvaluations),
            costs.Sum(x => x.DecoderTokens), costs.Sum(x => x.KeptNeuronTokens), costs.Sum(x => x.ScoredTokens));
        return new SearchResult(budget, pooled.Records, pooled.Best, pooled.Seconds, pooled.Evaluations, cost);
    }

    /// <summary>A search and the held-out perplexity of its best, as --reuse-today keeps today's.</summary>
    private sealed record SavedSearch(SearchResult Result, double Seconds, double HeldOut);

    private sealed record SampleOutcome(
        string Name, double Budget, long Seed, string Label, SearchSettings Settings, SearchResult Today, SearchResult Cheap, double FlopsToday, double FlopsCheap,
        double SecondsToday, double SecondsCheap, double HeldOutToday, double HeldOutCheap, double Spearman, double SpearmanNll, int Configurations);

    /// <summary>
    /// Per variant over every budget and seed: total work both ways, and the held-out change of each run and on
    /// average (a single seed's change is inside the search's own seed-to-seed spread, so the mean is what to judge).
    /// </summary>
    private static IEnumerable<string> Summarize(List<SampleOutcome> outcomes)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var runs in outcomes.GroupBy(o => o.Label))
        {
            var changes = runs.Select(o => 100 * (o.HeldOutCheap / o.HeldOutToday - 1)).ToArray();
            var each = string.Join(", ", runs.Zip(changes, (o, change) => string.Create(c, $"{o.Budget}/{o.Seed}: {change:+0.000;-0.000}%")));
            yield return string.Create(c,
                $"{runs.First().Name} [{runs.Key}] over {changes.Length} searches: {runs.Sum(o => o.FlopsToday) / runs.Sum(o => o.FlopsCheap):F2}x fewer FLOPs, {runs.Sum(o => o.SecondsToday) / runs.Sum(o => o.SecondsCheap):F2}x less time; held-out ppl mean {changes.Average():+0.000;-0.000}%, worst {changes.Max():+0.000;-0.000}% ({each}); Spearman(cheap, full) KL {runs.Average(o => o.Spearman):F3}, NLL on the same tokens {runs.Average(o => o.SpearmanNll):F3}");
        }
        var todays = outcomes.GroupBy(o => o.Budget).Select(g => g.GroupBy(o => o.Seed).Select(s => s.First().HeldOutToday).ToArray()).Where(p => p.Length > 1).ToList();
        if (todays.Count > 0)
        {
            var spread = todays.Average(p => 100 * (p.Max() / p.Min() - 1));
            yield return string.Create(c, $"{outcomes[0].Name}: today's own spread between seeds (largest / smallest held-out ppl of a budget, averaged over budgets): {spread:F3}%");
        }
    }

    private static List<SampleOutcome> Sample(string folder, double[] budgets, long[] seeds, int rewardSequences, SearchSettings today, List<SearchSettings> variants, TextTable table, string? reuseToday)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        var calibration = new[] { "calibration.txt", "calibration.jsonl" }.Select(f => Path.Combine(folder, f)).First(File.Exists);
        var cache = Directory.CreateTempSubdirectory("lop-search-cost-");
        try
        {
            using var pipeline = ModelPipeline.Open(Path.Combine(folder, "model"), new CalibrationOptions(calibration), "f32", cache.FullName, SilentProgress.Instance);
            var evaluator = pipeline.Inputs.Evaluator(pipeline.Importance(BatchSize, default).Value, SilentProgress.Instance);
            evaluator.UseMethod(ImportanceMethod.Activation);
            var sequences = pipeline.Inputs.Calibration.Search.Take(rewardSequences).ToArray();
            var heldOut = pipeline.Inputs.Calibration.HeldOut;
            var length = sequences.Max(s => s.Length);
            Console.WriteLine($"{name}: {sequences.Length} reward sequences of up to {length} tokens, {heldOut.Length} held out");
            var config = pipeline.Inputs.Checkpoint.Config;
            var outcomes = new List<SampleOutcome>();
            foreach (var budget in budgets)
            {
                foreach (var seed in seeds)
                {
                    (SearchResult Result, double Seconds, double Flops, double HeldOut) Search(string label, SearchSettings settings)
                    {
                        // Today's search is deterministic per seed: with --reuse-today it is run once per sample folder name, budget, seed, simulations and reward sequences, and read back after.
                        var saved = reuseToday is null || label != "today" ? null
                            : Path.Combine(reuseToday, string.Create(CultureInfo.InvariantCulture, $"{name}-{budget}-{seed}-{settings.Simulations}-{rewardSequences}.json"));
                        var (result, seconds, perplexity) = saved is not null && File.Exists(saved)
                            ? JsonSerializer.Deserialize<SavedSearch>(File.ReadAllText(saved))!
                            : RunSearch(settings);
                        if (saved is not null && !File.Exists(saved))
                        {
                            File.WriteAllText(saved, JsonSerializer.Serialize(new SavedSearch(result, seconds, perplexity)));
                        }
                        var flops = SearchFlops.Estimate(config, result.Cost, length);
                        table.Add(name, F(budget, "0.00"), $"{seed}", label, $"{result.Cost.Simulations}", $"{result.Cost.FullEvaluations}", $"{result.Cost.CheapEvaluations}",
                            F(flops / 1e9, "F1"), F(seconds, "F1"), F(result.Cost.Simulations / seconds, "F2"), F(perplexity, "F4"));
                        Console.WriteLine($"  budget {budget}, seed {seed}, {label}: {result.Cost.Simulations} simulations, {result.Cost.FullEvaluations} full + {result.Cost.CheapEvaluations} cheap evaluations, {seconds:F1} s, best reward-set ppl {result.Best.Perplexity:F4} (simulation {result.Best.Simulation}), held-out ppl {perplexity:F4}");
                        return (result, seconds, flops, perplexity);
                    }

                    SavedSearch RunSearch(SearchSettings settings)
                    {
                        var clock = Stopwatch.StartNew();
                        var result = SearchAllTrees(evaluator.Model, sequences, budget, settings with { Seed = seed });
                        var seconds = clock.Elapsed.TotalSeconds;
                        return new SavedSearch(result, seconds, evaluator.Evaluate(result.Best.Kept, heldOut, BatchSize).Perplexity);
                    }

                    var before = Search("today", today);
                    var correlations = new Dictionary<(int, int), (double Kl, double Nll)>();
                    foreach (var cheap in variants)
                    {
                        var after = Search("cheaper " + Label(cheap, today), cheap);
                        var stage = (cheap.Staged?.Sequences ?? sequences.Length, cheap.ScoredStride());
                        if (!correlations.TryGetValue(stage, out var spearman))
                        {
                            correlations[stage] = spearman = CheapScoreCorrelation(evaluator.Model, before.Result.Records, sequences.Take(stage.Item1).ToArray(), stage.Item2);
                        }
                        outcomes.Add(new SampleOutcome(name, budget, seed, Label(cheap, today), cheap, before.Result, after.Result, before.Flops, after.Flops, before.Seconds, after.Seconds,
                            before.HeldOut, after.HeldOut, spearman.Kl, spearman.Nll, before.Result.Records.Count));
                    }
                }
            }
            return outcomes;
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Honest correlation: every configuration the full search scored (not only those a cheap stage promoted), scored
    /// again at the cheap stage, by the divergence the stage uses and, for comparison, by the NLL on the same tokens.
    /// </summary>
    private static (double Kl, double Nll) CheapScoreCorrelation(IPrunableModel model, IReadOnlyList<SearchRecord> records, CalibrationSequence[] cheapSet, int stride)
    {
        using var divergence = DenseDivergence.Capture(model, cheapSet, BatchSize, stride);
        var kl = new double[records.Count];
        var nll = new double[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            using var narrowed = model.Prefix.Narrow(records[i].Kept);
            kl[i] = -divergence.Mean(model);
            nll[i] = -LogLikelihood.Evaluate(model, cheapSet, BatchSize, tokenStride: stride).MeanNll;
        }
        var full = records.Select(r => r.Reward).ToArray();
        return (RankCorrelation.Spearman(kl, full), RankCorrelation.Spearman(nll, full));
    }

    /// <summary>
    /// The 0.5B shape: a random BF16 checkpoint in a temp folder, loaded in f32; one sequence of 128 random tokens per
    /// forward, timed at full width narrowed to the budget's uniform widths, with every target scored and with the stride.
    /// </summary>
    private static IEnumerable<string> Shape(List<SampleOutcome> samples, double budget, int rewardSequences, TextTable table)
    {
        var shape = CheckpointShape.Known.Single(s => s.Name == "qwen2.5-0.5b");
        var folder = Directory.CreateTempSubdirectory("lop-search-cost-0.5b-");
        try
        {
            Console.WriteLine($"{shape.Name}: writing a random checkpoint to {folder.FullName}");
            SyntheticCheckpoint.Generate(shape, folder.FullName);
            using var checkpoint = HfCheckpoint.Open(folder.FullName);
            using var model = CheckpointLoader.Load(checkpoint, ScalarType.Float32);
            var config = model.Config;
            const int length = 128;
            var random = new Random(3);
            var sequence = new CalibrationSequence(Enumerable.Range(0, length).Select(_ => random.Next(256)).ToArray());
            var kept = config.IntermediateSizes.Select(w => (int)Math.Round(w * (1 - budget))).ToArray();
            // Strides timed in turns, three rounds, the fastest of each kept: the machine is shared, and turns spread its noise evenly.
            var strides = samples.Select(x => x.Settings.ScoredStride()).Append(1).Distinct().Order().ToArray();
            var timings = strides.ToDictionary(x => x, _ => double.PositiveInfinity);
            using (model.Prefix.Narrow(kept))
            {
                LogLikelihood.Evaluate(model, [sequence], 1); // warm-up
                for (var round = 0; round < 3; round++)
                {
                    foreach (var stride in strides)
                    {
                        var clock = Stopwatch.StartNew();
                        LogLikelihood.Evaluate(model, [sequence], 1, tokenStride: stride);
                        timings[stride] = Math.Min(timings[stride], clock.Elapsed.TotalSeconds);
                    }
                }
            }
            foreach (var (stride, seconds) in timings)
            {
                Console.WriteLine($"  one sequence of {length} tokens at budget {budget}, token stride {stride}: {seconds:F2} s (fastest of 3)");
            }
            double Seconds(int stride) => timings[stride];
            var every = Seconds(1);
            var targets = length - 1;
            var keptTotal = kept.Sum(k => (double)k);
            double Flops(double sequencesRun, int scored) => SearchFlops.Decoder(config, sequencesRun * targets, sequencesRun * targets * keptTotal, length)
                + SearchFlops.Head(config, sequencesRun * scored);
            var head = SearchFlops.Head(config, targets) / Flops(1, targets);
            var counts = samples[0];
            var todaySequences = (double)counts.Today.Cost.FullEvaluations * rewardSequences;
            var (flopsToday, secondsToday) = (Flops(todaySequences, targets), todaySequences * every);
            table.Add(shape.Name + " (extrapolated)", F(budget, "0.00"), "", "today", $"{counts.Today.Cost.Simulations}", $"{counts.Today.Cost.FullEvaluations}", "0",
                F(flopsToday / 1e9, "F0"), F(secondsToday, "F0"), F(counts.Today.Cost.Simulations / secondsToday, "F4"), "n/a (random weights)");
            var lines = new List<string>();
            foreach (var sample in samples)
            {
                var cheap = sample.Settings;
                var strided = Seconds(cheap.ScoredStride());
                // Per budget: the sample's evaluation counts, each evaluation over this shape's sequences of 128 tokens.
                var staged = cheap.Staged?.Sequences ?? rewardSequences;
                var scoredPerSequence = ScoredTargets.Indices(targets, cheap.ScoredStride()).Length;
                // Full evaluations score every target; the stride thins the cheap stage only.
                var fullSequences = (double)sample.Cheap.Cost.FullEvaluations * rewardSequences;
                var cheapSequences = (double)sample.Cheap.Cost.CheapEvaluations * staged;
                var flopsCheap = Flops(fullSequences, targets) + Flops(cheapSequences, scoredPerSequence);
                var secondsCheap = fullSequences * every + cheapSequences * strided;
                table.Add(shape.Name + " (extrapolated)", F(budget, "0.00"), "", "cheaper " + sample.Label, $"{sample.Cheap.Cost.Simulations}", $"{sample.Cheap.Cost.FullEvaluations}", $"{sample.Cheap.Cost.CheapEvaluations}",
                    F(flopsCheap / 1e9, "F0"), F(secondsCheap, "F0"), F(sample.Cheap.Cost.Simulations / secondsCheap, "F4"), "n/a (random weights)");
                lines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{shape.Name} [{sample.Label}] (evaluation counts of {sample.Name}, forward seconds measured here; the output layer is {100 * head:F0}% of a forward's FLOPs at budget {budget}): {flopsToday / flopsCheap:F2}x fewer FLOPs, {secondsToday / secondsCheap:F2}x less time per budget ({secondsToday / 3600:F1} h -> {secondsCheap / 3600:F2} h)"));
            }
            return lines;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
