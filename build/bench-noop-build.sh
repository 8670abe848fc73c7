#!/usr/bin/env bash
# Benchmark (not a test): the cost of a no-op incremental build of samples/VariantsConsole with Lop.Build
# against the same project with the step switched off (LopEnabled=false), alternating in one run.
# Run build/sample.sh first (it packs Lop.Build and builds the sample once).
set -euo pipefail
cd "$(dirname "$0")/../samples/VariantsConsole"
runs=${1:-5}
dotnet build -nologo -v:q > /dev/null   # make sure everything is up to date
with=(); without=()
for _ in $(seq "$runs"); do
  start=$(date +%s.%N); dotnet build -nologo -v:q > /dev/null; with+=("$(echo "$(date +%s.%N) - $start" | bc)")
  start=$(date +%s.%N); dotnet build -nologo -v:q -p:LopEnabled=false > /dev/null; without+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m1=$(median "${with[@]}"); m0=$(median "${without[@]}")
echo "no-op build with Lop.Build:    median ${m1} s (${with[*]})"
echo "no-op build, LopEnabled=false: median ${m0} s (${without[*]})"
echo "difference: $(echo "$m1 - $m0" | bc) s  (goal < 0.5 s)"
