#!/usr/bin/env bash
# The main job on the built-in sample, end to end: train (or reuse) the sample model, score its FFN
# neurons, write a 50%-pruned variant, and compare perplexities on held-out calibration text.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/sample}
lop() { dotnet run --project src/Lop.Cli -c Release --no-build -- "$@"; }

dotnet build src/Lop.Cli -c Release -v quiet -nologo
lop sample-model --out "$out"
lop importance --model "$out/model" --calibration "$out/calibration.txt"
lop prune --model "$out/model" --calibration "$out/calibration.txt" --ratio 0.5 --out "$out/variants/uniform-0.5"
echo "dense model:"
lop perplexity --model "$out/model" --calibration "$out/calibration.txt"
echo "50% pruned variant:"
lop perplexity --model "$out/variants/uniform-0.5" --calibration "$out/calibration.txt"
