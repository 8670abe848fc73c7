using System.Diagnostics;
using System.Globalization;
using Lop.Core.Predictor;

namespace Lop.Benchmarks;

/// <summary>
/// How long the transformer predictor takes to map a budget to 28 layer ratios (Qwen2-7B's depth, the
/// default settings: 2 blocks, hidden 128, 4 heads), through the TorchSharp network (the old path) and
/// the managed decoder with its key/value cache (the new one), in one run. Cold is the first call in a
/// fresh process that has just loaded the predictor file, as in <c>dotnet lop predict</c> (the managed
/// path includes building the decoder); warm is the median over many calls in this process.
/// </summary>
internal static class PredictorSpeedBenchmark
{
    private const int Layers = 28;
    private const double WarmGoalMs = 5;
    private const double ColdGoalMs = 20;
    private static readonly string[] Paths = ["torch", "managed"];

    public static int Run(string[] args)
    {
        var calls = int.Parse(BenchmarkArgs.Value(args, "--calls") ?? "200", CultureInfo.InvariantCulture);
        var processes = int.Parse(BenchmarkArgs.Value(args, "--processes") ?? "3", CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), $"lop-bench-predictor-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        try
        {
            var file = Path.Combine(folder, "predictor.safetensors");
            var settings = new PredictorSettings();
            Lop.Native.TorchRuntime.EnsureLoaded();
            // Untrained weights: the time does not depend on their values.
            using (var created = new TrainedPredictor(PredictorNetwork.Create(Layers, settings), new PredictorMetadata
            {
                Settings = settings,
                LayerCount = Layers,
                LayerWidths = [],
                TrainingBudgets = [],
                FinalLoss = 0,
            }))
            {
                created.Save(file);
            }
            Console.WriteLine($"{Layers}-layer predictor, {settings.Layers} blocks, hidden {settings.Hidden}, {settings.Heads} heads; load average {File.ReadAllText("/proc/loadavg").Trim()}");

            // Fresh processes, alternating paths so both see the same neighbours.
            var cold = Paths.ToDictionary(p => p, _ => new List<Timing>());
            for (var i = 0; i < processes; i++)
            {
                foreach (var path in Paths)
                {
                    var (result, _) = ChildProcess.Run<Timing>("predictor-speed-child", file, path);
                    cold[path].Add(result);
                    Console.Error.WriteLine($"  {path} cold: {result.WallMs:F2} ms, {result.CpuMs:F2} ms CPU");
                }
            }

            using var predictor = TrainedPredictor.Load(file);
            var warm = Paths.ToDictionary(p => p, _ => new List<Timing>());
            var worst = 0.0;
            for (var i = 0; i < calls; i++)
            {
                var budget = (i % 21) / 20.0;
                var (torch, torchRatios) = Time(() => predictor.NetworkPredict(budget));
                var (managed, managedRatios) = Time(() => predictor.Predict(budget));
                warm["torch"].Add(torch);
                warm["managed"].Add(managed);
                worst = Math.Max(worst, torchRatios.Zip(managedRatios, (a, b) => Math.Abs(a - b)).Max());
            }

            Console.WriteLine();
            // The median over processes or calls, of wall and of CPU time separately.
            double Median(Dictionary<string, List<Timing>> timings, string path, Func<Timing, double> of) => Statistics.Median(timings[path].Select(of));
            var columns = new (string Header, Dictionary<string, List<Timing>> Timings, Func<Timing, double> Of)[]
            {
                ("cold wall (ms)", cold, t => t.WallMs), ("cold CPU (ms)", cold, t => t.CpuMs),
                ("warm wall (ms)", warm, t => t.WallMs), ("warm CPU (ms)", warm, t => t.CpuMs),
            };
            var table = new TextTable(["path", .. columns.Select(c => c.Header)]);
            foreach (var path in Paths)
            {
                table.Add([path, .. columns.Select(c => Median(c.Timings, path, c.Of).ToString("F2", CultureInfo.InvariantCulture))]);
            }
            table.Add(["torch / managed", .. columns.Select(c => $"{Median(c.Timings, "torch", c.Of) / Median(c.Timings, "managed", c.Of):F1}x")]);
            table.Print(Console.Out);
            Console.WriteLine();
            Console.WriteLine($"cold: {processes} fresh processes per path, each timing its first prediction after loading the file; warm: {calls} calls in this process");
            Console.WriteLine($"largest |torch - managed| ratio over {calls} budgets: {worst:E2} (goal <= 1e-6: {Pass(worst <= 1e-6)})");
            var (warmCpu, coldCpu) = (Median(warm, "managed", t => t.CpuMs), Median(cold, "managed", t => t.CpuMs));
            Console.WriteLine($"managed warm CPU {warmCpu:F2} ms < {WarmGoalMs} ms: {Pass(warmCpu < WarmGoalMs)}; cold CPU {coldCpu:F2} ms < {ColdGoalMs} ms: {Pass(coldCpu < ColdGoalMs)} (wall times add other processes' turns on a shared machine)");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A fresh process: load the predictor file as <c>dotnet lop predict</c> does, then time the first prediction.</summary>
    public static int Child(string[] args)
    {
        var (file, path) = (args[0], args[1]);
        using var predictor = TrainedPredictor.Load(file);
        var (first, _) = path == "torch" ? Time(() => predictor.NetworkPredict(0.5)) : Time(() => predictor.Predict(0.5));
        ChildProcess.Report(first);
        return 0;
    }

    private static (Timing Timing, double[] Ratios) Time(Func<double[]> predict)
    {
        var cpu = ThreadCpuClock.Milliseconds();
        var clock = Stopwatch.StartNew();
        var ratios = predict();
        return (new Timing(clock.Elapsed.TotalMilliseconds, ThreadCpuClock.Milliseconds() - cpu), ratios);
    }

    private static string Pass(bool ok) => ok ? "PASS" : "FAIL";

    internal sealed record Timing(double WallMs, double CpuMs);
}
