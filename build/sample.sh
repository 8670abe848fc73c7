#!/usr/bin/env bash
# The main job on the built-in sample, end to end, the way a user meets the product:
#  1. train (or reuse) the built-in sample model;
#  2. pack the Lop.Build MSBuild package into artifacts/packages (the sample's nuget.config reads it);
#  3. build samples/VariantsConsole, whose lop.yaml names three targets: the build runs the engine
#     (importance, MCTS datasets, LOP predictor: all cached) and ships one pruned variant per target;
#  4. run the app, which lists the variants it ships with, and compare with uniform pruning;
#  5. the same for the multimodal sample: a LLaVA-architecture model trained on rendered scenes,
#     pruned by samples/MultimodalConsole on image+caption calibration (vision tower kept).
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/sample
multimodal=artifacts/sample-multimodal
lop() { dotnet run --project src/Lop.Cli -c Release --no-build -- "$@"; }

dotnet build src/Lop.Cli -c Release -v quiet -nologo
lop sample-model --out "$out"

dotnet pack src/Lop.Build -c Release -o artifacts/packages -v quiet -nologo
# The package keeps its version while the repo changes: drop our own stale copy from the NuGet cache.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/lop.build"
dotnet build samples/VariantsConsole -nologo -v:minimal
dotnet run --project samples/VariantsConsole --no-build

lop prune --model "$out/model" --calibration "$out/calibration.txt" --ratio 0.5 --out "$out/variants/uniform-0.5"
echo "uniform 50% pruning, for comparison with 'half':"
lop perplexity --model "$out/variants/uniform-0.5" --calibration "$out/calibration.txt"

lop sample-model --multimodal --out "$multimodal"
dotnet build samples/MultimodalConsole -nologo -v:minimal
dotnet run --project samples/MultimodalConsole --no-build
