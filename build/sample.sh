#!/usr/bin/env bash
# The main job on the built-in sample, end to end, the way a user meets the product:
#  1. train (or reuse) the built-in sample model;
#  2. pack the Lop.Build MSBuild package and the Lop.Runtime library into artifacts/packages (the
#     sample's nuget.config reads them);
#  3. build samples/VariantsConsole, whose lop.yaml names three targets: the build runs the engine
#     (importance, MCTS datasets, LOP predictor: all cached) and ships one pruned variant per target,
#     each with a GGUF file;
#  4. run the app, which chooses the variant this machine should run and generates text with it (then
#     once more with a forced target); the same through `dotnet lop generate`; compare with uniform
#     pruning, and llama.cpp's perplexity of a shipped GGUF with the engine's;
#  5. the text sample's dataset through a NuGet feed: packed, then restored by a project built with an empty
#     cache, which imports it and searches nothing;
#  6. the same for the multimodal sample: a LLaVA-architecture model trained on rendered scenes,
#     pruned by samples/MultimodalConsole on image+caption calibration (vision tower kept), whose
#     GGUF variants (language model + mmproj) then caption held-out scenes through llama.cpp.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/sample
multimodal=artifacts/sample-multimodal
lop() { dotnet run --project src/Lop.Cli -c Release --no-build -- "$@"; }

dotnet build src/Lop.Cli -c Release -v quiet -nologo
lop sample-model --out "$out"

# The packages' version comes from git (MinVer): each commit packs a version of its own, so the NuGet cache never
# serves a stale copy. Uncommitted changes would repack their commit's version: they get one of their own too.
version=$(dotnet msbuild src/Lop.Runtime -restore -t:MinVer -getProperty:MinVerVersion -nologo | tail -1)
if [ -n "$(git status --porcelain -- src Directory.Build.props Directory.Packages.props 2>/dev/null)" ]; then
  case "$version" in *-*) version="$version.dev.$(date -u +%Y%m%d%H%M%S)" ;; *) version="$version-dev.$(date -u +%Y%m%d%H%M%S)" ;; esac
fi
echo "packing Lop.Build and Lop.Runtime $version"
dotnet pack src/Lop.Build -c Release -o artifacts/packages -v quiet -nologo -p:MinVerVersionOverride="$version"
dotnet pack src/Lop.Runtime -c Release -o artifacts/packages -v quiet -nologo -p:MinVerVersionOverride="$version"
# The samples reference the packages at the version just packed.
dotnet build samples/VariantsConsole -nologo -v:minimal -p:LopVersion="$version"
dotnet run --project samples/VariantsConsole --no-build
echo "the same app told which variant to run (LOP_TARGET=small-device):"
LOP_TARGET=small-device dotnet run --project samples/VariantsConsole --no-build

variants=samples/VariantsConsole/bin/Debug/net10.0/lop-variants
echo "the same choice from the command line:"
lop generate --variants "$variants" --prompt "Gets or sets the " --max-tokens 64

lop prune --model "$out/model" --calibration "$out/calibration.txt" --ratio 0.5 --out "$out/variants/uniform-0.5"
echo "uniform 50% pruning, for comparison with 'half':"
lop perplexity --model "$out/variants/uniform-0.5" --calibration "$out/calibration.txt"
echo "'half' as shipped: llama.cpp on its q8_0 GGUF beside the engine on its checkpoint:"
lop perplexity --model "$variants/half" --calibration "$out/calibration.txt" --gguf "$variants/half/model.gguf"

# The dataset through the team's NuGet feed: the text sample's search dataset, with its importance scores and
# predictor, packed into the local feed; then samples/DatasetFromFeed, which references that package, built as on
# a fresh CI runner (its own empty cache, no earlier build): the engine imports the package and searches nothing.
datasets_id=LopSample.TextModel.Lop.Datasets
lop datasets pack --model "$out/model" --calibration "$out/calibration.txt" --include importance,predictor --id "$datasets_id" --out artifacts/packages
# A dataset searched again keeps its version: drop NuGet's copy of this one package so the feed's is restored.
rm -rf "$HOME/.nuget/packages/${datasets_id,,}" artifacts/fresh-runner-cache samples/DatasetFromFeed/bin samples/DatasetFromFeed/obj
LOP_CACHE="$PWD/artifacts/fresh-runner-cache" dotnet build samples/DatasetFromFeed -nologo -v:minimal -p:LopVersion="$version"

lop sample-model --multimodal --out "$multimodal"
dotnet build samples/MultimodalConsole -nologo -v:minimal -p:LopVersion="$version"
# Captions held-out scenes with the variant this machine should run, then with every variant.
dotnet run --project samples/MultimodalConsole --no-build -- --scenes "$multimodal/test-scenes" --count 4
dotnet run --project samples/MultimodalConsole --no-build -- --scenes "$multimodal/test-scenes" --count 40 --all
