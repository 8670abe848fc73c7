#!/usr/bin/env bash
# A fake `lop` engine that honours the `lop variants --config X --json [--output Y]` contract:
# one variant folder (with lop-manifest.json) per `- name:` in the yaml, written to a temp folder and
# renamed into place, the JSON result on stdout, progress and canonical diagnostics on stderr.
# The yaml steers it: a line containing `broken` -> canonical error on that line, exit 1;
# `warnme` -> a canonical warning; `sleep` -> hangs (records its pids) so a test can cancel the build.
# Every run appends its arguments to engine-runs.log beside the yaml.
set -euo pipefail
config=""; out=""
args="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --config) config="$2"; shift 2 ;;
    --output) out="$2"; shift 2 ;;
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
  tmp="$out/.$t.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp/tokenizer"
  echo "{\"target\": \"$t\"}" > "$tmp/lop-manifest.json"
  echo "weights of $t" > "$tmp/model.safetensors"
  echo "{}" > "$tmp/tokenizer/tokenizer.json"
  rm -rf "$out/$t"; mv "$tmp" "$out/$t"
  json="$json$sep{\"target\": \"$t\", \"budget\": 0.5, \"folder\": \"$out/$t\", \"manifest\": \"$out/$t/lop-manifest.json\", \"parameters\": 123, \"bytes\": 456, \"heldOutPerplexity\": 3.9}"
  sep=", "
done
echo "$json], \"engineVersion\": \"0.0.0-fake\"}"
