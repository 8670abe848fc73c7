#!/usr/bin/env bash
# A fake `lop` engine that honours the `lop variants --config X --json [--output Y] [--inputs-file Z]` contract
# (src/Lop.Contract; FakeEngineContractTests reads what it prints with the contract's types):
# one variant folder (with lop-manifest.json) per `- name:` in the yaml, written to a temp folder and
# renamed into place, the JSON result on stdout, progress and canonical diagnostics on stderr, and the
# files it "read" (the model folder's files, the calibration file -- `calibration: path` or an indented
# `path:` under `calibration:` -- and the images a JSONL calibration names) in the inputs file.
# The yaml steers it: a line containing `broken` -> canonical error on that line, exit 1;
# `warnme` -> a canonical warning; `sleep` -> hangs (records its pids) so a test can cancel the build.
# Every run appends its arguments to engine-runs.log beside the yaml.
set -euo pipefail
config=""; out=""; inputs=""; format="text"
args="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --output) out="$2"; shift 2 ;;
    --inputs-file) inputs="$2"; shift 2 ;;
    --log-format) format="$2"; shift 2 ;;
    *) shift ;;
  esac
done
dir="$(dirname "$config")"
echo "$args" >> "$dir/engine-runs.log"
echo "lop: reading $config" >&2
if line=$(grep -n 'warnme' "$config" | head -1 | cut -d: -f1) && [ -n "$line" ]; then
  echo "$config($line,1): warning LOP1010: the fake engine warns here" >&2
fi
if line=$(grep -n 'broken' "$config" | head -1 | cut -d: -f1) && [ -n "$line" ]; then
  echo "$config($line,5): error LOP1003: 'broken' is not a valid value" >&2
  exit 1
fi
if [ -n "$inputs" ]; then
  clean() { sed 's/ *#.*//; s/^["'"'"']//; s/["'"'"']$//' | head -1; }
  model="$(sed -n 's/^model: *//p' "$config" | clean)"
  calibration="$(sed -n 's/^calibration: *//p' "$config" | clean)"
  if [ -z "$calibration" ]; then
    calibration="$(sed -n '/^calibration: *$/,/^[^ ]/s/^ \+path: *//p' "$config" | clean)"
  fi
  mkdir -p "$(dirname "$inputs")"
  list="$(mktemp "$inputs.XXXXXX")"
  { [ -n "$model" ] && [ -d "$dir/$model" ] && find "$(cd "$dir/$model" && pwd)" -type f
    if [ -n "$calibration" ]; then
      cal="$(cd "$(dirname "$dir/$calibration")" && pwd)/$(basename "$calibration")"
      echo "$cal"
      if [ -f "$cal" ]; then
        { grep -o '"image": *"[^"]*"' "$cal" || true; } | sed 's/.*"image": *"//; s/"$//' | while read -r image; do
          echo "$(cd "$(dirname "$cal")" && realpath -m "$image")"
        done
      fi
    fi
  } | LC_ALL=C sort -u > "$list"
  # Rewritten only when the list changed, through a rename (as the engine does).
  if [ -f "$inputs" ] && cmp -s "$list" "$inputs"; then rm -f "$list"; else mv "$list" "$inputs"; fi
fi
if grep -q 'sleep' "$config"; then
  echo $$ > "$dir/engine.pid"
  sleep 120 &
  echo $! > "$dir/sleep.pid"
  wait
fi
out="${out:-$dir/lop-variants}"
mkdir -p "$out"
json="{\"config\": \"$config\", \"outputFolder\": \"$out\", \"variants\": ["
sep=""
for t in $(sed -n 's/^ *- name: *//p' "$config"); do
  echo "lop: pruning $t" >&2
  if [ "$format" = msbuild ]; then echo "lop: info: $t: written by the fake engine" >&2; fi
  tmp="$out/.$t.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp/tokenizer"
  echo "{\"target\": \"$t\"}" > "$tmp/lop-manifest.json"
  echo "weights of $t" > "$tmp/model.safetensors"
  echo "{}" > "$tmp/tokenizer/tokenizer.json"
  rm -rf "$out/$t"; mv "$tmp" "$out/$t"
  json="$json$sep{\"target\": \"$t\", \"constraint\": \"ratio 0.5\", \"budget\": 0.5, \"folder\": \"$out/$t\", \"manifest\": \"$out/$t/lop-manifest.json\", \"parameters\": 123, \"bytes\": 456, \"heldOutPerplexity\": 3.9, \"upToDate\": false, \"explanation\": \"fake\"}"
  sep=", "
done
echo "$json], \"engineVersion\": \"0.0.0-fake\", \"seconds\": 0.1}"
