using Lop.Runtime.Devices;

namespace Lop.Core.Config;

/// <summary>The commented starter lop.yaml that <c>dotnet lop init</c> writes: every option, its default, one line on what it does.</summary>
public static class LopConfigTemplate
{
    public static string Text { get; } = $"""
        # lop.yaml: which model to prune, on what text, and which variants to build.
        # Paths are relative to this file. Sizes take B, KB, MB, GB, TB (powers of 1000) or KiB, MiB,
        # GiB, TiB (powers of 1024); counts take K, M, B (thousand, million, billion).

        # The Hugging Face model folder to prune (config.json + *.safetensors).
        model: sample/model

        # Calibration text, one document per line (the short form is just the path).
        calibration:
          path: sample/calibration.txt
          sequenceLength: 128         # tokens per calibration sequence
          heldOut: 0.25               # fraction of sequences kept back to evaluate variants
          seed: 1234                  # seed of the held-out split
          maxSequences: null          # use at most this many sequences (null: all)

        # Compute dtype: f32, bf16, f16, or checkpoint (the checkpoint's own).
        dtype: f32

        # Search for the best per-layer allocation at each training budget (defaults are the LOP paper's).
        search:
          budgets: [0.2, 0.4, 0.6, 0.8]  # fractions of all FFN neurons removed, to train the predictor on
          simulations: 300               # MCTS simulations per budget
          rewardSequences: 32            # calibration sequences each candidate is scored on
          seed: 1234                     # seed of the search and of predictor training
          maxPruneRatio: 0.9             # no layer loses more than this fraction of its FFN neurons
          imageGapWeight: 0              # image+text calibration: reward keeping the model's use of its images too (0 = the paper's reward)

        # The network that maps a budget to per-layer pruning ratios.
        predictor:
          architecture: transformer      # transformer, encoder, mlp or bilstm
          epochs: 200                    # training epochs
          top: 32                        # best configurations per budget it learns from

        # Where the variants are written, one folder per target.
        output:
          path: lop-variants

        # What each target's folder holds: safetensors always (the engine's format); gguf adds
        # model.gguf (+ mmproj.gguf for LLaVA) that llama.cpp / LLamaSharp load.
        formats: [safetensors]

        # Artifact cache folder (null: the default per-user cache).
        cache: null

        # One variant per target: a unique name ([A-Za-z0-9._-]) and exactly one constraint:
        #   ratio: 0.5                 remove this fraction of all FFN neurons
        #   maxParams: 2.5M            at most this many parameters
        #   maxWeightBytes: 1.5GB      at most this many bytes of weights (checkpoint dtype; with gguf: the target's quantization)
        #   maxMemory: 8GiB            weights + KV cache; with contextLength (default 2048) and batch (default 1)
        #   device: pixel-8            a built-in device (maxMemory overrides its memory); one of
        #                              {string.Join(", ", DeviceCatalog.Names)}
        # With formats gguf, a target may also set
        #   quantization: f16          f32, f16, bf16, q8_0 or q4_k_m (default f16)
        #   granularity: 32            kept widths in multiples of this (default: the quantization's block)
        targets:
          - name: half
            ratio: 0.5

        """;
}
