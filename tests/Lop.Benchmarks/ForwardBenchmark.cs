using System.Diagnostics;
using Lop.Core.Formats;
using Lop.Core.Models;
using Lop.Samples;
using Lop.Core.Loading;
using static TorchSharp.torch;

namespace Lop.Benchmarks;

/// <summary>
/// Decoder throughput on calibration-sized batches, and how much of the machine's matmul speed it
/// reaches: achieved GFLOP/s of the forward pass over GFLOP/s of a plain matmul of the model's own
/// FFN shape, both measured in this run.
/// </summary>
internal static class ForwardBenchmark
{
    public static int Run(string[] args)
    {
        Lop.Native.TorchRuntime.EnsureLoaded();
        var batch = int.Parse(Option(args, "--batch") ?? "16");
        var seq = int.Parse(Option(args, "--seq") ?? "128");
        var modelFolder = Option(args, "--model");
        CausalLm model;
        if (modelFolder is not null)
        {
            using var checkpoint = HfCheckpoint.Open(modelFolder);
            model = CheckpointLoader.Load(checkpoint, ScalarType.Float32);
            Console.WriteLine($"model: {modelFolder}");
        }
        else
        {
            manual_seed(1);
            model = new CausalLm(SampleModelJob.Config(new SampleModelSettings()));
            model.eval();
            Console.WriteLine("model: random weights, the built-in sample's shape");
        }
        var config = model.Config;
        Console.WriteLine($"threads: {get_num_threads()}, batch {batch} x {seq} tokens");

        manual_seed(2);
        var tokens = randint(0, config.VocabSize, [batch, seq], dtype: ScalarType.Int64);
        var forwardSeconds = Measure(() =>
        {
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            model.forward(tokens);
        });
        var flops = ForwardFlops(config, batch, seq);
        var forwardRate = flops / forwardSeconds / 1e9;

        // The reference: the FFN's up projection on the same number of tokens, as one matmul.
        var x = randn(batch * seq, config.HiddenSize);
        var w = randn(config.HiddenSize, config.IntermediateSizes[0]);
        var matmulSeconds = Measure(() =>
        {
            using var scope = NewDisposeScope();
            matmul(x, w);
        });
        var matmulRate = 2.0 * batch * seq * config.HiddenSize * config.IntermediateSizes[0] / matmulSeconds / 1e9;
        var big = randn(1024, 1024);
        var bigRate = 2.0 * 1024 * 1024 * 1024 / Measure(() =>
        {
            using var scope = NewDisposeScope();
            matmul(big, big);
        }) / 1e9;

        Console.WriteLine($"forward: {batch * seq / forwardSeconds:F0} calibration tokens/s ({forwardSeconds * 1000:F1} ms per batch), {forwardRate:F1} GFLOP/s");
        Console.WriteLine($"matmul [{batch * seq}x{config.HiddenSize}]x[{config.HiddenSize}x{config.IntermediateSizes[0]}]: {matmulRate:F1} GFLOP/s (1024x1024x1024: {bigRate:F1} GFLOP/s)");
        Console.WriteLine($"forward / matmul of similar size: {forwardRate / matmulRate:F2}  (goal >= 0.5)");

        // Memory must stay flat however many batches run (dispose scopes free every temporary).
        var before = RssMiB();
        for (var i = 0; i < 1000; i++)
        {
            using var scope = NewDisposeScope();
            using var inference = inference_mode();
            model.forward(tokens.narrow(0, 0, Math.Min(2, batch)));
        }
        Console.WriteLine($"RSS before / after 1000 more batches: {before:F0} / {RssMiB():F0} MiB");
        return 0;
    }

    /// <summary>Multiply-adds x 2 of every matmul in one forward pass (causal attention counted in full, as SDPA computes it).</summary>
    internal static double ForwardFlops(ModelConfig c, int batch, int seq)
    {
        double tokens = (double)batch * seq;
        double q = c.NumHeads * c.HeadDim, kv = c.NumKvHeads * c.HeadDim;
        double perToken = 0;
        for (var l = 0; l < c.NumLayers; l++)
        {
            perToken += 2 * c.HiddenSize * (q + 2 * kv) + 2 * q * c.HiddenSize;   // q, k, v, o projections
            perToken += 2 * 3.0 * c.HiddenSize * c.IntermediateSizes[l];          // gate, up, down
            perToken += 2 * 2.0 * seq * q;                                       // QK^T and AV
        }
        perToken += 2.0 * c.HiddenSize * c.VocabSize;                            // lm_head
        return perToken * tokens;
    }

    /// <summary>Median seconds of repeated runs after a warm-up, for at least a second in all.</summary>
    private static double Measure(Action action)
    {
        for (var i = 0; i < 3; i++)
        {
            action();
        }
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < 1 && times.Count < 200))
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static double RssMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
