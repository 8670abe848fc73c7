#!/usr/bin/env bash
# The main job on the built-in sample, end to end: train (or reuse) the sample model, score its FFN
# neurons, search layer-wise ratios for the training budgets and train the LOP predictor (all cached),
# then write a 50% variant with LOP's predicted allocation and one with uniform pruning, and compare
# their perplexity on held-out calibration text.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/sample}
lop() { dotnet run --project src/Lop.Cli -c Release --no-build -- "$@"; }
data=(--model "$out/model" --calibration "$out/calibration.txt")

dotnet build src/Lop.Cli -c Release -v quiet -nologo
lop sample-model --out "$out"
lop prune "${data[@]}" --budget 0.5 --out "$out/variants/lop-0.5"
lop prune "${data[@]}" --ratio 0.5 --out "$out/variants/uniform-0.5"
for model in "$out/model" "$out/variants/lop-0.5" "$out/variants/uniform-0.5"; do
  echo "$model:"
  lop perplexity --model "$model" --calibration "$out/calibration.txt"
done
echo "For every allocation method side by side: dotnet run --project src/Lop.Cli -c Release -- eval ${data[*]}"
