using Lop.Benchmarks;

// dotnet run -c Release --project tests/Lop.Benchmarks -- <benchmark> [options]
return args.FirstOrDefault() switch
{
    "variant-writing" => VariantWritingBenchmark.Run(args[1..]),
    "variant-writing-child" => VariantWritingBenchmark.Child(args[1..]),
    "forward" => ForwardBenchmark.Run(args[1..]),
    "gguf-speed" => GgufSpeedBenchmark.Run(args[1..]),
    "gguf-speed-child" => LlamaCppSpeed.Child(args[1..]),
    "gguf-export" => GgufExportBenchmark.Run(args[1..]),
    "gguf-export-child" => GgufExportBenchmark.Child(args[1..]),
    "fingerprint" => FingerprintBenchmark.Run(args[1..]),
    "predictor-speed" => PredictorSpeedBenchmark.Run(args[1..]),
    "predictor-speed-child" => PredictorSpeedBenchmark.Child(args[1..]),
    "search-cost" => SearchCostBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("""
        Lop.Benchmarks: figures for the notes, not tests.
          variant-writing [--folder DIR] [--shape qwen2.5-7b|qwen2.5-3b|qwen2.5-0.5b] [--keep]
              Generates a synthetic BF16 sharded checkpoint (random N(0, 0.02) weights), then writes a 50% variant
              and copies the same files with cp, alternating, in one run. Prints throughput as a ratio of
              cp's and the peak RSS of the writing process. Falls back to a smaller shape if disk is short.
          forward [--model DIR] [--batch 16] [--seq 128]
              Calibration tokens per second of the decoder (the sample model if given, else a random model
              of the sample's shape) and its achieved GFLOP/s as a fraction of a plain matmul of similar size.
          gguf-speed [--quick] [--repeats 2] [--rounds 2] [--retries 2] [--folder DIR] [--keep (and reuse next time)]
              A synthetic Llama-3.2-1B-shaped checkpoint (vocabulary cut to 8192; --quick: hidden 512, 4 layers),
              a uniform 0.5 and non-uniform 0.5 / 0.3 variants, each exported as f16 and q4_k_m GGUF and run in
              llama.cpp (LLamaSharp, CPU, 2 threads), each file in child processes of its own: prompt (512) and
              decode (128) tokens/s, bytes, peak RSS, decode speedup against the size ratio, PASS/FAIL per goal;
              a process that got under 90% of its 2 cores is rerun (--retries); --quick: 1 round, no retries.
          gguf-export [--quick] [--folder DIR] [--keep]
              GGUF f16 export of a synthetic 7B-shaped F16 checkpoint (13.5 GB; --quick: 4 layers, 1.7 GB) against
              cp of its shards, in the order cp, export, export, cp, each from a source evicted from the page cache:
              GB/s to return and to disk, the ratio (goal >= 0.7) and the exporter's peak RSS. Needs 3x the model free.
          fingerprint [--quick] [--folder DIR] [--keep]
              The model fingerprint's XxHash128 of every shard against cat FILES > /dev/null on a synthetic checkpoint
              of 6 LLaMA-7B layers (F16, 2.5 GB; --quick: 4 layers), cat, digest, digest, cat, cat, digest (medians), first with the files
              evicted from the page cache, then cached: GB/s and the ratio (goal >= 0.8); then a fingerprint with an
              empty digest cache and a second one answered by it.
          predictor-speed [--calls 200] [--processes 3]
              A 28-layer transformer predictor (default settings) through the TorchSharp network and the managed
              decoder: the first call in fresh processes that just loaded the predictor file (cold, median) and
              the median and p90 of many calls in one process (warm), the ratios between them, the largest
              difference of the two paths' ratios, and PASS/FAIL against 5 ms warm and 20 ms cold.
          search-cost --sample DIR [--sample DIR2] [--budget 0.5[,0.3,...]] [--seed 1234[,1,2,...]] [--simulations 300]
                      [--reward-sequences 32] [--cheaper 4:8:4:100,...] [--skip-shape]
              Each budget and seed searched on each sample folder (model/ + calibration.txt or .jsonl, as sample-model
              writes it) as today and with each cheaper variant (staged sequences:promote top:token stride:patience):
              simulations, evaluations, estimated forward GFLOPs, seconds, simulations/s, the best reward-set and held-out
              perplexity of each search; per variant the FLOP and time ratios and the mean and worst held-out change over
              all searches, today's own spread between seeds, and the rank correlation of the cheap stage (its divergence,
              and the NLL on the same tokens) with the full reward over the full search's configurations; then a random
              Qwen2.5-0.5B-shaped checkpoint (1 GB in a temp folder): measured forward seconds per sequence, and the
              per-budget cost both ways extrapolated from the first sample's first budget and seed.
        """);
    return 2;
}
